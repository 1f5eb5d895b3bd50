import { LitElement, css, html, nothing } from 'lit'
import type { ShareStatus } from '../engine/live-share'
import type { JoinView } from '../platform/browser/engine-host'
import { emit } from './events'
import { formatBytes, levelLabel } from './format'
import { shared } from './styles'
import './cs-state-badge'

/**
 * The shares on this device and the ones being joined, each a card that opens its view.
 *
 * @fires cs-open-share - with the location of the share to open
 * @fires cs-show-create
 * @fires cs-show-join
 */
export class CsShareList extends LitElement {
  static override properties = {
    shares: { attribute: false },
    joining: { attribute: false },
    joinMessages: { attribute: false },
    paused: { type: Boolean },
  }

  shares: readonly ShareStatus[] = []
  joining: readonly JoinView[] = []
  /** What to say about each pending join, by location (the shell words it). */
  joinMessages: ReadonlyMap<string, string> = new Map()
  /** Syncing is paused on this device (every share; a share's own state does not say so). */
  paused = false

  static override styles = [
    shared,
    css`
      .head {
        display: flex;
        flex-wrap: wrap;
        justify-content: space-between;
        align-items: center;
        gap: 0.75rem;
        margin-bottom: 1rem;
      }
      ul {
        list-style: none;
        padding: 0;
        margin: 0;
        display: grid;
        gap: 0.75rem;
      }
      .share {
        width: 100%;
        text-align: left;
        display: grid;
        grid-template-columns: 1fr auto;
        gap: 0.25rem 1rem;
        padding: 0.9rem 1rem;
        border-radius: 0.75rem;
        font-weight: 400;
      }
      .name {
        font-weight: 700;
        font-size: 1.05rem;
        overflow-wrap: anywhere;
      }
      .meta {
        color: var(--cs-muted);
        font-size: 0.9rem;
        grid-column: 1 / -1;
      }
      .joining {
        border-style: dashed;
      }
    `,
  ]

  override render() {
    return html`
      <div class="head">
        <h2>Your shares</h2>
        <div class="row">
          <button class="primary" @click=${() => emit(this, 'cs-show-create')}>Create a share</button>
          <button @click=${() => emit(this, 'cs-show-join')}>Join a share</button>
        </div>
      </div>
      <ul>
        ${this.shares.map(
          (s) =>
            html`<li>
              <button
                class="share"
                @click=${() => emit(this, 'cs-open-share', { location: s.location })}
                aria-label=${`Open ${s.location}`}
              >
                <span class="name">${s.location}</span>
                <cs-state-badge
                  .state=${this.paused && s.state !== 'error' ? 'paused' : s.state}
                ></cs-state-badge>
                <span class="meta">
                  ${levelLabel(s.accessLevel)} ·
                  ${s.peers === 1 ? '1 device connected' : `${s.peers} devices connected`}
                  ${s.progress.filesRemaining > 0 ? html` · ${s.progress.filesRemaining} files (${formatBytes(s.progress.bytesRemaining)}) to go` : nothing}
                </span>
              </button>
            </li>`,
        )}
        ${this.joining.map(
          (j) =>
            html`<li class="card joining">
              <div class="name">${j.location}</div>
              <div class="meta" role="status">Joining · ${this.joinMessages.get(j.location) ?? ''}</div>
            </li>`,
        )}
      </ul>
    `
  }
}

customElements.define('cs-share-list', CsShareList)

declare global {
  interface HTMLElementTagNameMap {
    'cs-share-list': CsShareList
  }
}
