import { LitElement, css, html } from 'lit'
import type { PeerView } from '../platform/browser/engine-host'
import { formatRate, levelLabel } from './format'
import { shared } from './styles'

const CONNECTIONS: Record<PeerView['connection'], string> = {
  webrtc: 'Direct (WebRTC)',
  relayed: 'Relayed (TURN)',
  tcp: 'Direct (TCP)',
  bridge: 'Through the bridge',
  unknown: 'Connected',
}

/** The devices a share is connected to: name, how they are connected, what they may do, the rates. */
export class CsPeerList extends LitElement {
  static override properties = { peers: { attribute: false } }

  peers: readonly PeerView[] = []

  static override styles = [
    shared,
    css`
      ul {
        display: grid;
        gap: 0.5rem;
      }
      li {
        display: grid;
        grid-template-columns: auto 1fr;
        gap: 0 0.6rem;
        align-items: center;
      }
      .avatar {
        grid-row: span 3;
        width: 2.25rem;
        height: 2.25rem;
        border-radius: 50%;
        display: grid;
        place-items: center;
        background: var(--cs-accent-soft);
        color: var(--cs-accent-strong);
        font-weight: 700;
      }
      .name {
        font-weight: 600;
        overflow-wrap: anywhere;
      }
      .meta {
        color: var(--cs-muted);
        font-size: 0.85rem;
      }
      .nowrap {
        white-space: nowrap;
      }
      .none {
        color: var(--cs-muted);
      }
    `,
  ]

  override render() {
    if (this.peers.length === 0)
      return html`<p class="none">
        No other device is connected right now. Files move when one is online with ClearSkies open.
      </p>`
    return html`<ul aria-label="Connected devices">
      ${this.peers.map((p) => {
        const name = p.name || `Device ${p.peerId.slice(0, 6)}`
        return html`<li>
          <span class="avatar" aria-hidden="true">${name.slice(0, 1).toUpperCase()}</span>
          <span class="name">${name}</span>
          <span class="meta">${CONNECTIONS[p.connection]} · ${levelLabel(p.accessLevel)}</span>
          <span class="meta"
            ><span class="nowrap">Receiving ${formatRate(p.downloadRate)}</span> ·
            <span class="nowrap">sending ${formatRate(p.uploadRate)}</span></span
          >
        </li>`
      })}
    </ul>`
  }
}

customElements.define('cs-peer-list', CsPeerList)

declare global {
  interface HTMLElementTagNameMap {
    'cs-peer-list': CsPeerList
  }
}
