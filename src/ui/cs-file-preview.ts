import { LitElement, css, html, nothing } from 'lit'
import { emit } from './events'
import { baseName, mimeTypeOf, previewKindOf } from './file-kinds'
import { closedByPerson, syncModal } from './modal'
import { shared } from './styles'

/** Text previews show this much of a file: enough to recognise it, never a whole log in memory. */
const TEXT_PREVIEW_BYTES = 256 * 1024

/**
 * A file's preview: images, audio, video and PDF through an object URL of the stored file (the
 * browser streams it from storage), text as its first 256 KB.
 *
 * @fires cs-save-file - save the file shown
 * @fires cs-close - the preview was closed
 */
export class CsFilePreview extends LitElement {
  static override properties = { path: {}, file: { attribute: false }, text: { state: true } }

  path = ''
  file: File | undefined
  text = ''
  private url = ''

  static override styles = [
    shared,
    css`
      dialog {
        width: min(60rem, calc(100vw - 1.5rem));
      }
      .head {
        display: flex;
        justify-content: space-between;
        gap: 0.5rem;
        align-items: center;
        margin-bottom: 0.75rem;
      }
      h2 {
        overflow-wrap: anywhere;
        margin: 0;
      }
      img,
      video {
        display: block;
        max-width: 100%;
        max-height: 70dvh;
        margin: 0 auto;
        border-radius: 0.5rem;
      }
      audio {
        width: 100%;
      }
      iframe {
        width: 100%;
        height: 70dvh;
        border: 1px solid var(--cs-border);
        border-radius: 0.5rem;
      }
      pre {
        max-height: 60dvh;
        overflow: auto;
        background: var(--cs-surface);
        border: 1px solid var(--cs-border);
        border-radius: 0.5rem;
        padding: 0.75rem;
        white-space: pre-wrap;
        overflow-wrap: anywhere;
      }
    `,
  ]

  override willUpdate(changed: Map<string, unknown>): void {
    if (!changed.has('file')) return
    if (this.url) URL.revokeObjectURL(this.url)
    this.url = ''
    this.text = ''
    const file = this.file
    if (!file) return
    const kind = previewKindOf(this.path)
    if (kind === 'text')
      void file
        .slice(0, TEXT_PREVIEW_BYTES)
        .text()
        .then((t) => (this.text = t + (file.size > TEXT_PREVIEW_BYTES ? '\n…' : '')))
    else
      this.url = URL.createObjectURL(new File([file], baseName(this.path), { type: mimeTypeOf(this.path) }))
  }

  override updated(): void {
    syncModal(this.renderRoot.querySelector('dialog'), this.file !== undefined)
  }

  private renderContent() {
    const name = baseName(this.path)
    switch (previewKindOf(this.path)) {
      case 'image':
        return html`<img src=${this.url} alt=${`Preview of ${name}`} />`
      case 'audio':
        return html`<audio src=${this.url} controls aria-label=${name}></audio>`
      case 'video':
        return html`<video src=${this.url} controls aria-label=${name}></video>`
      case 'pdf':
        return html`<iframe src=${this.url} title=${`PDF ${name}`}></iframe>`
      case 'text':
        return html`<pre tabindex="0" aria-label=${`Text of ${name}`}>${this.text}</pre>`
      default:
        return html`<p>This kind of file cannot be shown here. Save it to open it with another app.</p>`
    }
  }

  override render() {
    return html`<dialog
      aria-labelledby="preview-title"
      @close=${closedByPerson(this, () => this.file !== undefined)}
    >
      <div class="head">
        <h2 id="preview-title">${baseName(this.path)}</h2>
        <div class="row">
          <button @click=${() => emit(this, 'cs-save-file', { path: this.path })}>Save</button>
          <button class="primary" @click=${() => emit(this, 'cs-close')}>Close</button>
        </div>
      </div>
      ${this.file ? this.renderContent() : nothing}
    </dialog>`
  }
}

customElements.define('cs-file-preview', CsFilePreview)

declare global {
  interface HTMLElementTagNameMap {
    'cs-file-preview': CsFilePreview
  }
}
