import { LitElement, css, html, nothing } from 'lit'
import type { ShareStatus } from '../engine/live-share'
import type { ShareOptions } from '../engine/stored'
import type { FolderAccess } from '../app/file-access'
import type { ArchivedView, FileView, PeerView } from '../platform/browser/engine-host'
import { emit } from './events'
import { levelLabel } from './format'
import { shared } from './styles'
import './cs-archive-list'
import './cs-file-tree'
import './cs-peer-list'
import './cs-state-badge'
import './cs-sync-picker'
import './cs-transfer-summary'

type Pane = 'files' | 'keep' | 'archive'
const PANES: Record<Pane, string> = { files: 'Files', keep: 'Choose what to keep', archive: 'Archive' }

/**
 * One share: its state and totals, its devices, its files (or the choice of what this device
 * keeps, or the archive); sharing, pausing, saving, adding files (drag-and-drop or a picker) and
 * removing it.
 *
 * @fires cs-go-home - back to the list of shares
 * @fires cs-show-code - open the sharing dialog
 * @fires cs-pause - pause syncing
 * @fires cs-resume - resume syncing
 * @fires cs-save-zip - save the whole share (`/`) as a zip
 * @fires cs-add-files - files dropped or picked, with their paths in the share
 * @fires cs-allow-folder - ask the browser again for the share's folder
 * @fires cs-remove-share - remove the share from this device (after the person confirmed)
 */
export class CsShareView extends LitElement {
  static override properties = {
    status: { attribute: false },
    files: { attribute: false },
    peers: { attribute: false },
    options: { attribute: false },
    archive: { attribute: false },
    folderAccess: {},
    paused: { type: Boolean },
    busy: { type: Boolean },
    pane: { state: true },
    dragging: { state: true },
    confirmingRemove: { state: true },
  }

  status: ShareStatus | undefined
  files: readonly FileView[] = []
  peers: readonly PeerView[] = []
  options: ShareOptions = {}
  archive: readonly ArchivedView[] = []
  /** For a share in a picked folder: whether the browser lets the app use it now. */
  folderAccess: FolderAccess | undefined
  paused = false
  busy = false
  pane: Pane = 'files'
  dragging = false
  confirmingRemove = false

  static override styles = [
    shared,
    css`
      .back {
        margin-bottom: 0.5rem;
      }
      .title {
        display: flex;
        flex-wrap: wrap;
        align-items: baseline;
        gap: 0.4rem 1rem;
      }
      h2:focus {
        outline: none;
      }
      h2 {
        font-size: 1.5rem;
        overflow-wrap: anywhere;
      }
      .sub {
        color: var(--cs-muted);
      }
      .actions {
        margin: 0.75rem 0 1rem;
      }
      /* A phone shows progress first, then the files, then the devices; a desktop puts the files on the left. */
      .layout {
        display: grid;
        grid-template-columns: minmax(0, 1fr);
        grid-template-areas: 'progress' 'files' 'devices';
        gap: 1rem;
        align-items: start;
      }
      @media (min-width: 60rem) {
        .layout {
          grid-template-columns: minmax(0, 1fr) 20rem;
          grid-template-rows: auto 1fr;
          grid-template-areas: 'files progress' 'files devices';
        }
      }
      .files {
        grid-area: files;
      }
      .progress {
        grid-area: progress;
      }
      .devices {
        grid-area: devices;
      }
      .panes {
        display: flex;
        flex-wrap: wrap;
        gap: 0.4rem;
        margin-bottom: 0.9rem;
      }
      .panes button {
        min-height: 2.25rem;
        padding: 0.3rem 0.8rem;
        font-weight: 500;
      }
      .panes button[aria-pressed='true'] {
        background: var(--cs-accent-soft);
        border-color: var(--cs-accent);
        color: var(--cs-accent-strong);
        font-weight: 700;
      }
      .drop {
        border: 2px dashed var(--cs-border-strong);
        border-radius: 0.75rem;
        padding: 0.9rem;
        text-align: center;
        margin-bottom: 0.75rem;
        color: var(--cs-muted);
      }
      .drop.over {
        border-color: var(--cs-accent);
        background: var(--cs-accent-soft);
      }
      .error {
        margin-top: 0;
      }
      .confirm {
        border-color: var(--cs-danger);
      }
    `,
  ]

  /** A screen reader starts reading a newly opened share at its name, not wherever focus was. */
  override updated(changed: Map<string, unknown>): void {
    const before = changed.get('status') as ShareStatus | undefined
    if (changed.has('status') && before?.location !== this.status?.location)
      this.renderRoot.querySelector('h2')?.focus()
  }

  private addFiles(list: FileList | null): void {
    if (!list || list.length === 0) return
    const files = [...list].map((file) => ({ path: `/${file.webkitRelativePath || file.name}`, file }))
    emit(this, 'cs-add-files', { files })
  }

  private onDrop(event: DragEvent): void {
    event.preventDefault()
    this.dragging = false
    this.addFiles(event.dataTransfer?.files ?? null)
  }

  private renderDrop() {
    return html`<div
      class="drop ${this.dragging ? 'over' : ''}"
      @dragover=${(e: DragEvent) => {
        e.preventDefault()
        this.dragging = true
      }}
      @dragleave=${() => (this.dragging = false)}
      @drop=${(e: DragEvent) => this.onDrop(e)}
    >
      <p>Drop files here to add them, or</p>
      <div class="row" style="justify-content:center">
        <label class="button" for="pick-files">Choose files</label>
        <input
          id="pick-files"
          class="visually-hidden"
          type="file"
          multiple
          @change=${(e: Event) => this.addFiles((e.target as HTMLInputElement).files)}
        />
        <label class="button" for="pick-folder">Choose a folder</label>
        <input
          id="pick-folder"
          class="visually-hidden"
          type="file"
          webkitdirectory
          @change=${(e: Event) => this.addFiles((e.target as HTMLInputElement).files)}
        />
      </div>
    </div>`
  }

  private renderPane(s: ShareStatus) {
    const excluded = this.options.excluded ?? []
    switch (this.pane) {
      case 'files':
        return html`${s.accessLevel === 'read_write' ? this.renderDrop() : nothing}
          <cs-file-tree .files=${this.files} .excluded=${excluded} ?paused=${this.paused}></cs-file-tree>`
      case 'keep':
        return html`<cs-sync-picker
          .files=${this.files}
          .excluded=${excluded}
          ?busy=${this.busy}
        ></cs-sync-picker>`
      case 'archive':
        return html`<cs-archive-list
          .archive=${this.archive}
          ?enabled=${this.options.archive === true}
          ?busy=${this.busy}
        ></cs-archive-list>`
    }
  }

  override render() {
    const s = this.status
    if (!s) return html`<p>This share is no longer on this device.</p>`
    return html`
      <button class="link back" @click=${() => emit(this, 'cs-go-home')}>← All shares</button>
      <div class="title">
        <h2 tabindex="-1">${s.location}</h2>
        <cs-state-badge .state=${this.paused ? 'paused' : s.state}></cs-state-badge>
      </div>
      <p class="sub">
        ${levelLabel(s.accessLevel)} ·
        ${s.peers === 1 ? '1 device connected' : `${s.peers} devices connected`}
      </p>
      ${
        this.folderAccess !== undefined && this.folderAccess !== 'granted'
          ? html`<div class="error" role="alert">
              <p>
                The browser needs your permission again to sync the folder of this share (it asks after a
                restart). Nothing syncs here until you allow it.
              </p>
              <button class="primary" @click=${() => emit(this, 'cs-allow-folder')}>
                Allow access to the folder
              </button>
            </div>`
          : s.error
            ? html`<p class="error" role="alert">
                ${s.error}. Check that the folder still exists and that ClearSkies may use it, then reload.
              </p>`
            : nothing
      }
      <div class="row actions">
        <button class="primary" @click=${() => emit(this, 'cs-show-code', { location: s.location })}>
          Share…
        </button>
        ${this.paused ? html`<button @click=${() => emit(this, 'cs-resume')}>Resume syncing</button>` : html`<button @click=${() => emit(this, 'cs-pause')}>Pause syncing</button>`}
        <button @click=${() => emit(this, 'cs-save-zip', { path: '/' })}>Save all as zip</button>
        <button class="danger" @click=${() => (this.confirmingRemove = true)}>Remove…</button>
      </div>
      ${
        this.confirmingRemove
          ? html`<div class="card confirm" role="alertdialog" aria-labelledby="remove-q">
              <p id="remove-q">
                Remove “${s.location}” from this device? Other devices keep their copies. Files in a folder
                you picked stay in that folder; files kept in browser storage are deleted.
              </p>
              <div class="row">
                <button
                  class="danger"
                  @click=${() => emit(this, 'cs-remove-share', { location: s.location })}
                >
                  Remove share
                </button>
                <button @click=${() => (this.confirmingRemove = false)}>Keep it</button>
              </div>
            </div>`
          : nothing
      }
      <div class="layout">
        <section class="card files" aria-label=${PANES[this.pane]}>
          <div class="panes" role="group" aria-label="Show">
            ${(Object.keys(PANES) as Pane[]).map(
              (pane) =>
                html`<button aria-pressed=${this.pane === pane} @click=${() => (this.pane = pane)}>
                  ${PANES[pane]}
                </button>`,
            )}
          </div>
          ${this.renderPane(s)}
        </section>
        <section class="card progress" aria-labelledby="progress-title">
          <h3 id="progress-title">Progress</h3>
          <cs-transfer-summary .status=${s} .files=${this.files}></cs-transfer-summary>
        </section>
        <section class="card devices" aria-labelledby="peers-title">
          <h3 id="peers-title">Devices</h3>
          <cs-peer-list .peers=${this.peers}></cs-peer-list>
        </section>
      </div>
    `
  }
}

customElements.define('cs-share-view', CsShareView)

declare global {
  interface HTMLElementTagNameMap {
    'cs-share-view': CsShareView
  }
}
