import { LitElement, css, html, nothing } from 'lit'
import type { SignalingState } from '../net/peer-manager'
import type { CodeView } from '../platform/browser/engine-host'
import { emit } from './events'
import { formatExpiry } from './format'
import { closedByPerson, syncModal } from './modal'
import { shared } from './styles'
import './cs-qr-code'

const EXPIRY_CHOICES: ReadonlyArray<{ label: string; ms: number | null }> = [
  { label: '1 hour', ms: 3_600_000 },
  { label: '24 hours', ms: 86_400_000 },
  { label: '7 days', ms: 7 * 86_400_000 },
  { label: '30 days', ms: 30 * 86_400_000 },
  { label: 'Never', ms: null },
]

/**
 * Sharing, as core.md's "Access Code UI" suggests: the code to copy, the link (the code after `#`)
 * and its QR code, the access level, a status line (registering, ready, connected), "Cancel code",
 * and "Extend" for a multi-use code with an expiry.
 *
 * @fires cs-make-code - a fresh code at the chosen level (the shell cancels the unused old one)
 * @fires cs-cancel-code - deactivate the code now
 * @fires cs-extend-code - make it multi-use until the chosen expiry
 * @fires cs-close - the person is done
 */
export class CsCodeDialog extends LitElement {
  static override properties = {
    open: { type: Boolean },
    location: {},
    code: { attribute: false },
    canGrantEdit: { type: Boolean },
    signaling: {},
    peers: { type: Number },
    busy: { type: Boolean },
    error: {},
    copied: { state: true },
    extending: { state: true },
  }

  open = false
  location = ''
  code: CodeView | undefined
  canGrantEdit = true
  signaling: SignalingState = 'connecting'
  /** Devices connected to the share now (to say "connected" once the code was used). */
  peers = 0
  busy = false
  error = ''
  copied = ''
  extending = false

  static override styles = [
    shared,
    css`
      .code {
        font-family: ui-monospace, 'SFMono-Regular', Menlo, monospace;
        font-size: 1.05rem;
        letter-spacing: 0.03em;
        resize: none;
        field-sizing: content;
        word-break: break-all;
      }
      .copy {
        display: grid;
        grid-template-columns: 1fr auto;
        gap: 0.5rem;
      }
      .layout {
        display: grid;
        grid-template-columns: 1fr auto;
        gap: 1rem;
        align-items: start;
      }
      @media (max-width: 34rem) {
        .layout {
          grid-template-columns: 1fr;
        }
        cs-qr-code {
          justify-self: center;
        }
      }
      .status {
        display: flex;
        gap: 0.5rem;
        align-items: center;
        padding: 0.6rem 0.75rem;
        border-radius: 0.5rem;
        background: var(--cs-accent-soft);
        margin: 0.5rem 0 0.75rem;
      }
      .status[data-tone='ok'] {
        color: var(--cs-ok);
      }
      .status[data-tone='bad'] {
        color: var(--cs-danger);
        background: var(--cs-danger-soft);
      }
      .levels {
        display: flex;
        flex-wrap: wrap;
        gap: 0.25rem 1.25rem;
      }
      .levels label {
        font-weight: 400;
      }
    `,
  ]

  override updated(changed: Map<string, unknown>): void {
    syncModal(this.renderRoot.querySelector('dialog'), this.open)
    if (changed.has('code') && (changed.get('code') as CodeView | undefined)?.code !== this.code?.code) {
      this.copied = ''
      this.extending = false
    }
  }

  private async copy(text: string, what: string): Promise<void> {
    try {
      await navigator.clipboard.writeText(text)
      this.copied = `${what} copied.`
    } catch {
      this.copied = `Could not copy: select the ${what.toLowerCase()} and copy it yourself.`
    }
  }

  private status(): { text: string; tone: 'ok' | 'wait' | 'bad' } {
    const code = this.code
    if (!code) return { text: 'Making a code…', tone: 'wait' }
    if (code.status === 'cancelled') return { text: 'Cancelled: this code no longer works.', tone: 'bad' }
    if (code.status === 'expired') return { text: 'Expired: extend it, or make a new code.', tone: 'bad' }
    if (code.uses > 0 && this.peers > 0)
      return {
        text: `Connected: ${code.uses === 1 ? 'a device' : `${code.uses} devices`} joined with this code.`,
        tone: 'ok',
      }
    if (code.status === 'used')
      return { text: 'Used: a device joined with this code. Extend it to let more devices join.', tone: 'ok' }
    if (this.signaling !== 'online')
      return { text: 'Registering the code with the signaling server…', tone: 'wait' }
    return { text: 'Ready: waiting for the other device to open the link or enter the code.', tone: 'ok' }
  }

  private extend(event: SubmitEvent): void {
    event.preventDefault()
    const index = Number(new FormData(event.target as HTMLFormElement).get('expiry'))
    const choice = EXPIRY_CHOICES[index] ?? EXPIRY_CHOICES[1]!
    if (this.code) emit(this, 'cs-extend-code', { code: this.code.code, expiresInMs: choice.ms })
    this.extending = false
  }

  private renderCode(code: CodeView) {
    const status = this.status()
    return html`
      <p class="status" role="status" data-tone=${status.tone}>${status.text}</p>
      <div class="layout">
        <div>
          <div class="field">
            <label for="code">Access code</label>
            <div class="copy">
              <textarea
                id="code"
                class="code"
                rows="1"
                readonly
                .value=${code.code}
                @focus=${(e: FocusEvent) => (e.target as HTMLTextAreaElement).select()}
              ></textarea>
              <button @click=${() => void this.copy(code.code, 'Code')}>Copy</button>
            </div>
          </div>
          <div class="field">
            <label for="link">Link</label>
            <div class="copy">
              <input
                id="link"
                type="text"
                readonly
                .value=${code.link}
                @focus=${(e: FocusEvent) => (e.target as HTMLInputElement).select()}
              />
              <button @click=${() => void this.copy(code.link, 'Link')}>Copy</button>
            </div>
          </div>
          <p class="hint" aria-live="polite">${this.copied}</p>
          <p class="hint">
            ${code.mode === 'one_time' ? 'Works once' : 'Works for any number of devices'},
            ${formatExpiry(code.expiresAtMs)}.
          </p>
        </div>
        <cs-qr-code .text=${code.link} label="QR code of the link, to scan with a phone"></cs-qr-code>
      </div>
      ${
        this.extending
          ? html`<form class="card" @submit=${(e: SubmitEvent) => this.extend(e)}>
              <div class="field">
                <label for="expiry">Let any number of devices join until</label>
                <select id="expiry" name="expiry">
                  ${EXPIRY_CHOICES.map((c, i) => html`<option value=${i} ?selected=${i === 1}>${c.ms === null ? 'It is cancelled (never expires)' : `${c.label} from now`}</option>`)}
                </select>
              </div>
              <div class="row">
                <button type="submit" class="primary">Extend code</button>
                <button type="button" @click=${() => (this.extending = false)}>Back</button>
              </div>
            </form>`
          : nothing
      }
    `
  }

  override render() {
    const code = this.code
    return html`<dialog aria-labelledby="code-title" @close=${closedByPerson(this, () => this.open)}>
      <h2 id="code-title">Share “${this.location}”</h2>
      <p>
        Send the link or the code to the person or device that should get these files. Anyone who has it can
        join, so send it privately.
      </p>
      <fieldset class="levels" ?disabled=${this.busy}>
        <legend>They can</legend>
        <label
          ><input
            type="radio"
            name="level"
            .checked=${code?.accessLevel !== 'read_only'}
            ?disabled=${!this.canGrantEdit}
            @change=${() => emit(this, 'cs-make-code', { level: 'read_write', multiUse: false, expiresInMs: 86_400_000 })}
          />
          Edit (add, change and delete files)</label
        >
        <label
          ><input
            type="radio"
            name="level"
            .checked=${code?.accessLevel === 'read_only'}
            @change=${() => emit(this, 'cs-make-code', { level: 'read_only', multiUse: false, expiresInMs: 86_400_000 })}
          />
          Only view and download</label
        >
      </fieldset>
      ${code ? this.renderCode(code) : html`<p class="status" role="status">Making a code…</p>`}
      ${this.error ? html`<p class="error" role="alert">${this.error}</p>` : nothing}
      <div class="dialog-actions">
        ${code && !this.extending ? html`<button @click=${() => (this.extending = true)} ?disabled=${code.status === 'cancelled'}>Extend…</button>` : nothing}
        ${code ? html`<button class="danger" @click=${() => emit(this, 'cs-cancel-code', { code: code.code })} ?disabled=${code.status !== 'active' || code.uses > 0}>Cancel code</button>` : nothing}
        <button class="primary" @click=${() => emit(this, 'cs-close')}>Done</button>
      </div>
    </dialog>`
  }
}

customElements.define('cs-code-dialog', CsCodeDialog)

declare global {
  interface HTMLElementTagNameMap {
    'cs-code-dialog': CsCodeDialog
  }
}
