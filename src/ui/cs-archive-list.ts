import { LitElement, css, html } from 'lit'
import type { ArchivedView } from '../platform/browser/engine-host'
import { emit } from './events'
import { formatBytes } from './format'
import { shared } from './styles'

/**
 * The archive: earlier versions of replaced files and deleted files, kept when the archive is on,
 * each with a "Restore" that puts it back where it was.
 *
 * @fires cs-set-archive - turn keeping replaced and deleted files on or off
 * @fires cs-restore - put an archived version back
 */
export class CsArchiveList extends LitElement {
  static override properties = {
    archive: { attribute: false },
    enabled: { type: Boolean },
    busy: { type: Boolean },
  }

  archive: readonly ArchivedView[] = []
  enabled = false
  busy = false

  static override styles = [
    shared,
    css`
      .switch {
        display: flex;
        gap: 0.6rem;
        align-items: center;
        margin-bottom: 1rem;
      }
      li {
        display: grid;
        grid-template-columns: minmax(0, 1fr) auto;
        gap: 0.1rem 0.75rem;
        align-items: center;
        padding: 0.4rem 0;
        border-bottom: 1px solid var(--cs-border);
      }
      .path {
        font-weight: 600;
        overflow-wrap: anywhere;
      }
      .meta {
        color: var(--cs-muted);
        font-size: 0.85rem;
      }
      button {
        grid-row: span 2;
      }
    `,
  ]

  override render() {
    const when = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' })
    return html`
      <label class="switch"
        ><input
          type="checkbox"
          .checked=${this.enabled}
          ?disabled=${this.busy}
          @change=${(e: Event) => emit(this, 'cs-set-archive', { enabled: (e.target as HTMLInputElement).checked })}
        />Keep replaced and deleted files on this device</label
      >
      ${
        this.archive.length === 0
          ? html`<p class="hint">
              ${this.enabled ? 'Nothing archived yet. When a file is changed or deleted, its old version appears here.' : 'The archive is off.'}
            </p>`
          : html`<ul aria-label="Archived files">
              ${this.archive.map(
                (a) =>
                  html`<li>
                    <span class="path">${a.original}</span>
                    <button
                      ?disabled=${this.busy}
                      aria-label=${`Restore ${a.original} from ${when.format(a.modifiedMs)}`}
                      @click=${() => emit(this, 'cs-restore', { archived: a.archived })}
                    >
                      Restore
                    </button>
                    <span class="meta">${formatBytes(a.size)} · ${when.format(a.modifiedMs)}</span>
                  </li>`,
              )}
            </ul>`
      }
    `
  }
}

customElements.define('cs-archive-list', CsArchiveList)

declare global {
  interface HTMLElementTagNameMap {
    'cs-archive-list': CsArchiveList
  }
}
