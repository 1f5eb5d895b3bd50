import { LitElement, css, html } from 'lit'
import { keyed } from 'lit/directives/keyed.js'
import { DEVICE_NAME_MAX_CHARS } from '../app/device-name'
import { formatIceServers, parseIceServers, type Settings } from '../app/settings'
import { emit } from './events'
import { formFooter } from './form-parts'
import { closedByPerson, syncModal } from './modal'
import { shared } from './styles'

/**
 * Settings: this device's name (what other devices see), the signaling server, the STUN/TURN
 * servers WebRTC uses to get through routers, and the bandwidth limits. Saving reloads the app, as the engine reads them at
 * start.
 *
 * @fires cs-save-settings - with the new settings
 * @fires cs-close - closed without saving
 */
export class CsSettingsDialog extends LitElement {
  static override properties = {
    open: { type: Boolean },
    settings: { attribute: false },
    error: { state: true },
  }

  open = false
  settings: Settings | undefined
  error = ''

  static override styles = [
    shared,
    css`
      .limits {
        display: grid;
        grid-template-columns: 1fr 1fr;
        gap: 0.75rem;
      }
    `,
  ]

  /** Bumped on each opening: the form is made anew, so edits left by Cancel or Escape are gone. */
  private opened = 0

  override willUpdate(changed: Map<string, unknown>): void {
    if (changed.has('open') && this.open) {
      this.opened++
      this.error = ''
    }
  }

  override updated(): void {
    syncModal(this.renderRoot.querySelector('dialog'), this.open)
  }

  private submit(event: SubmitEvent): void {
    event.preventDefault()
    const data = new FormData(event.target as HTMLFormElement)
    const signalingUrl = (data.get('signaling') as string).trim()
    if (!/^wss?:\/\/[^/]+/.test(signalingUrl)) {
      this.error =
        'The signaling server address must start with wss:// (or ws:// on a local network), such as wss://example.org/tracker.'
      return
    }
    try {
      const iceServers = parseIceServers(data.get('ice') as string)
      this.error = ''
      emit(this, 'cs-save-settings', {
        deviceName: (data.get('name') as string).trim(),
        signalingUrl,
        iceServers,
        uploadLimit: Number(data.get('upload')) * 1000,
        downloadLimit: Number(data.get('download')) * 1000,
      })
    } catch (err) {
      this.error = `The ICE servers are not right: ${(err as Error).message}.`
    }
  }

  override render() {
    const s = this.settings
    return html`<dialog aria-labelledby="settings-title" @close=${closedByPerson(this, () => this.open)}>
      ${keyed(
        this.opened,
        html`<form @submit=${(e: SubmitEvent) => this.submit(e)}>
          <h2 id="settings-title">Settings</h2>
          <div class="field">
            <label for="name">Device name</label>
            <input
              id="name"
              name="name"
              type="text"
              autocomplete="off"
              maxlength=${DEVICE_NAME_MAX_CHARS}
              .value=${s?.deviceName ?? ''}
              placeholder="Sam's laptop"
              aria-describedby="name-hint"
            />
            <span id="name-hint" class="hint">Other devices show this name in their list of devices.</span>
          </div>
          <div class="field">
            <label for="signaling">Signaling server</label>
            <input
              id="signaling"
              name="signaling"
              type="url"
              .value=${s?.signalingUrl ?? ''}
              aria-describedby="signaling-hint"
            />
            <span id="signaling-hint" class="hint"
              >Introduces devices to each other; files never pass through it.</span
            >
          </div>
          <div class="field">
            <label for="ice">STUN and TURN servers</label>
            <textarea
              id="ice"
              name="ice"
              rows="3"
              spellcheck="false"
              .value=${formatIceServers(s?.iceServers ?? [])}
              placeholder="stun:stun.example.org:3478"
              aria-describedby="ice-hint"
            ></textarea>
            <span id="ice-hint" class="hint"
              >One a line. A TURN server takes its username and password after the address, separated by
              spaces. Leave empty on one network.</span
            >
          </div>
          <fieldset>
            <legend>Bandwidth limits</legend>
            <div class="limits">
              ${limitField('upload', 'Upload', s?.uploadLimit ?? 0)}
              ${limitField('download', 'Download', s?.downloadLimit ?? 0)}
            </div>
            <span class="hint">0 means no limit. The limits cover all shares together.</span>
          </fieldset>
          ${formFooter(this.error, 'Save and reload', false, () => emit(this, 'cs-close'))}
        </form>`,
      )}
    </dialog>`
  }
}

/** A limit in kB/s (stored in bytes per second). */
function limitField(name: string, label: string, bytesPerSecond: number) {
  return html`<div class="field">
    <label for=${name}>${label}, kB/s</label>
    <input
      id=${name}
      name=${name}
      type="number"
      min="0"
      step="1"
      inputmode="numeric"
      .value=${String(bytesPerSecond / 1000)}
    />
  </div>`
}

customElements.define('cs-settings-dialog', CsSettingsDialog)

declare global {
  interface HTMLElementTagNameMap {
    'cs-settings-dialog': CsSettingsDialog
  }
}
