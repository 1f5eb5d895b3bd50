import { LitElement, css, html } from 'lit'
import { keyed } from 'lit/directives/keyed.js'
import { pickFolder } from '../app/file-access'
import { emit } from './events'
import { formFooter, whereChoice, type Where } from './form-parts'
import { closedByPerson, syncModal } from './modal'
import { shared } from './styles'

/**
 * Joining a share: the code or link (prefilled when the app was opened by a share link), a name
 * for the share here, and where its files go.
 *
 * @fires cs-join-share - with the code as typed, the name and the picked folder, if any
 * @fires cs-close - the person backed out
 */
export class CsJoinDialog extends LitElement {
  static override properties = {
    open: { type: Boolean },
    busy: { type: Boolean },
    error: {},
    code: {},
    where: { state: true },
  }

  open = false
  busy = false
  error = ''
  code = ''
  where: Where = 'browser'

  static override styles = [
    shared,
    css`
      textarea {
        font-family: ui-monospace, 'SFMono-Regular', Menlo, monospace;
        resize: vertical;
      }
    `,
  ]

  /** Bumped on each opening: the form is made anew, so what Cancel or Escape left is gone. */
  private opened = 0

  override willUpdate(changed: Map<string, unknown>): void {
    if (changed.has('open') && this.open) {
      this.opened++
      this.where = 'browser'
    }
  }

  override updated(): void {
    syncModal(this.renderRoot.querySelector('dialog'), this.open)
  }

  private async submit(event: SubmitEvent): Promise<void> {
    event.preventDefault()
    const data = new FormData(event.target as HTMLFormElement)
    const code = (data.get('code') as string).trim()
    const name = (data.get('name') as string).trim()
    if (!code) {
      this.error =
        'Paste the access code or link you were sent. It starts with SYNC, or is a link with SYNC after a #.'
      return
    }
    if (!name) {
      this.error = 'Give the share a name on this device, such as "Photos from Sam".'
      return
    }
    let folder: FileSystemDirectoryHandle | undefined
    if (this.where === 'folder') {
      folder = await pickFolder()
      if (!folder) return
    }
    emit(this, 'cs-join-share', folder ? { code, name, folder } : { code, name })
  }

  override render() {
    return html`<dialog aria-labelledby="join-title" @close=${closedByPerson(this, () => this.open)}>
      ${keyed(
        this.opened,
        html`<form @submit=${(e: SubmitEvent) => void this.submit(e)}>
          <h2 id="join-title">Join a share</h2>
          <div class="field">
            <label for="code">Access code or link</label>
            <textarea
              id="code"
              name="code"
              rows="2"
              spellcheck="false"
              autocomplete="off"
              .value=${this.code}
              placeholder="SYNC… or https://…#SYNC…"
            ></textarea>
          </div>
          <div class="field">
            <label for="name">Name on this device</label>
            <input id="name" name="name" type="text" autocomplete="off" placeholder="Photos from Sam" />
          </div>
          ${whereChoice('Where the files go', this.where, (w) => (this.where = w), {
            folder: 'You choose the folder next.',
            browser: 'Kept by this browser; save them out any time.',
          })}
          ${formFooter(this.error, 'Join', this.busy, () => emit(this, 'cs-close'))}
        </form>`,
      )}
    </dialog>`
  }
}

customElements.define('cs-join-dialog', CsJoinDialog)

declare global {
  interface HTMLElementTagNameMap {
    'cs-join-dialog': CsJoinDialog
  }
}
