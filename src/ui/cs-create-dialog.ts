import { LitElement, html } from 'lit'
import { canPickFolder, pickFolder } from '../app/file-access'
import { emit } from './events'
import { formFooter, whereChoice, type Where } from './form-parts'
import { closedByPerson, syncModal } from './modal'
import { shared } from './styles'

/**
 * Creating a share: its name, and where its files live (a folder the person picks, where the
 * browser allows it, or browser storage to fill by drag-and-drop).
 *
 * @fires cs-create-share - with the name and the picked folder, if any
 * @fires cs-close - the person backed out
 */
export class CsCreateDialog extends LitElement {
  static override properties = {
    open: { type: Boolean },
    busy: { type: Boolean },
    error: {},
    where: { state: true },
  }

  open = false
  busy = false
  error = ''
  where: Where = canPickFolder() ? 'folder' : 'browser'

  static override styles = [shared]

  override updated(): void {
    syncModal(this.renderRoot.querySelector('dialog'), this.open)
  }

  private async submit(event: SubmitEvent): Promise<void> {
    event.preventDefault()
    const form = event.target as HTMLFormElement
    let name = (new FormData(form).get('name') as string).trim()
    let folder: FileSystemDirectoryHandle | undefined
    if (this.where === 'folder') {
      folder = await pickFolder()
      if (!folder) return
      name ||= folder.name
    }
    if (!name) {
      this.error = 'Give the share a name, such as "Holiday photos".'
      return
    }
    emit(this, 'cs-create-share', folder ? { name, folder } : { name })
  }

  override render() {
    return html`<dialog aria-labelledby="create-title" @close=${closedByPerson(this, () => this.open)}>
      <form @submit=${(e: SubmitEvent) => void this.submit(e)}>
        <h2 id="create-title">Create a share</h2>
        <div class="field">
          <label for="name">Name</label>
          <input
            id="name"
            name="name"
            type="text"
            autocomplete="off"
            placeholder="Holiday photos"
            aria-describedby="name-hint"
          />
          <span id="name-hint" class="hint"
            >Only you see this name; the people you share with choose their own.</span
          >
        </div>
        ${whereChoice('Where the files live', this.where, (w) => (this.where = w), {
          folder: 'You choose the folder next; its files stay where they are.',
          browser: 'Add files by dragging them in or picking them.',
        })}
        ${formFooter(this.error, this.where === 'folder' ? 'Choose folder and create' : 'Create share', this.busy, () => emit(this, 'cs-close'))}
      </form>
    </dialog>`
  }
}

customElements.define('cs-create-dialog', CsCreateDialog)

declare global {
  interface HTMLElementTagNameMap {
    'cs-create-dialog': CsCreateDialog
  }
}
