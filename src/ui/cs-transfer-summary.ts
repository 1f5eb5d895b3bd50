import { LitElement, css, html, nothing } from 'lit'
import type { ShareStatus } from '../engine/live-share'
import type { FileView } from '../platform/browser/engine-host'
import { formatBytes, formatEta, formatRate } from './format'
import { shared } from './styles'

/**
 * A share's totals: files on this device out of all (counted from the file list, which is what
 * the person sees), what is still to come with a progress bar and an ETA, and the rates.
 */
export class CsTransferSummary extends LitElement {
  static override properties = { status: { attribute: false }, files: { attribute: false } }

  status: ShareStatus | undefined
  files: readonly FileView[] = []

  static override styles = [
    shared,
    css`
      .figures {
        display: grid;
        grid-template-columns: repeat(auto-fit, minmax(8rem, 1fr));
        gap: 0.75rem;
        margin: 0;
      }
      dt {
        color: var(--cs-muted);
        font-size: 0.85rem;
      }
      dd {
        margin: 0;
        font-weight: 700;
        font-size: 1.1rem;
      }
      progress {
        width: 100%;
        height: 0.6rem;
        margin-top: 0.9rem;
        accent-color: var(--cs-accent);
      }
      .line {
        margin: 0.3rem 0 0;
        color: var(--cs-muted);
        font-size: 0.9rem;
      }
    `,
  ]

  override render() {
    const s = this.status
    if (!s) return nothing
    const p = s.progress
    const all = this.files.filter((f) => f.kind === 'file')
    const present = all.filter((f) => f.present).length
    // The bar moves with bytes, so one big file shows progress too.
    const totalBytes = all.reduce((sum, f) => sum + f.size, 0)
    const doneBytes = Math.max(0, totalBytes - p.bytesRemaining)
    const eta = formatEta(p.bytesRemaining, p.downloadRate)
    return html`
      <dl class="figures">
        <div>
          <dt>Files here</dt>
          <dd>${present} of ${all.length}</dd>
        </div>
        <div>
          <dt>Still to come</dt>
          <dd>${formatBytes(p.bytesRemaining)}</dd>
        </div>
        <div>
          <dt>Downloading</dt>
          <dd>${formatRate(p.downloadRate)}</dd>
        </div>
        <div>
          <dt>Uploading</dt>
          <dd>${formatRate(p.uploadRate)}</dd>
        </div>
      </dl>
      ${
        p.filesRemaining > 0
          ? html`<progress max=${totalBytes} .value=${doneBytes} aria-label="Transfer progress"></progress>
              <p class="line">
                ${p.filesRemaining} ${p.filesRemaining === 1 ? 'file' : 'files'} to
                go${eta ? `, ${eta}` : s.peers === 0 ? ': waiting for a device that has them to come online' : ''}.
              </p>`
          : nothing
      }
    `
  }
}

customElements.define('cs-transfer-summary', CsTransferSummary)

declare global {
  interface HTMLElementTagNameMap {
    'cs-transfer-summary': CsTransferSummary
  }
}
