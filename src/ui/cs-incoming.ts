import { LitElement, css, html } from 'lit'
import type { ShareStatus } from '../engine/live-share'
import { emit } from './events'
import { shared } from './styles'

/**
 * Files another app shared to ClearSkies, waiting for the person to choose the share they go into.
 *
 * @fires cs-add-incoming - with the chosen share's location
 */
export class CsIncoming extends LitElement {
  static override properties = { files: { attribute: false }, shares: { attribute: false } }

  files: readonly File[] = []
  shares: readonly ShareStatus[] = []

  static override styles = [
    shared,
    css`
      :host {
        display: block;
        max-width: 72rem;
        margin: 1rem auto 0;
        padding: 0 1rem;
      }
      select {
        width: auto;
      }
    `,
  ]

  private submit(event: SubmitEvent): void {
    event.preventDefault()
    const location = new FormData(event.target as HTMLFormElement).get('share') as string | null
    if (location) emit(this, 'cs-add-incoming', { location })
  }

  override render() {
    const count = `${this.files.length} ${this.files.length === 1 ? 'file was' : 'files were'} shared with ClearSkies`
    if (this.shares.length === 0)
      return html`<p class="card" role="status">
        ${count}. Create a share to put them in; they wait here until then.
      </p>`
    return html`<form class="card row" @submit=${(e: SubmitEvent) => this.submit(e)}>
      <label for="share">${count}. Add them to</label>
      <select id="share" name="share">
        ${this.shares.map((s) => html`<option value=${s.location}>${s.location}</option>`)}
      </select>
      <button type="submit" class="primary">Add</button>
    </form>`
  }
}

customElements.define('cs-incoming', CsIncoming)

declare global {
  interface HTMLElementTagNameMap {
    'cs-incoming': CsIncoming
  }
}
