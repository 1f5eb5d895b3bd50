import { LitElement, css, html, nothing } from 'lit'
import { ActionError, AppActions, type ShareDetails } from '../app/app-actions'
import type { EngineClient } from '../app/engine-client'
import { clearIncoming, INCOMING_PARAM, incomingFiles } from '../app/incoming'
import { explainJoinWait, zipSavedStatus } from '../app/messages'
import { loadSettings, saveSettings } from '../app/settings'
import { codeFromHash, shareFromRoute } from '../app/share-link'
import { TransferWakeLock } from '../app/wake-lock'
import type { StorageNotice } from '../platform/browser/database-notices'
import type { CodeView } from '../platform/browser/engine-host'
import type { StorageReport } from '../platform/browser/storage'
import { formatBytes } from './format'
import { EngineController } from './engine-controller'
import type { CsEventMap } from './events'
import { shared } from './styles'
import './cs-code-dialog'
import './cs-create-dialog'
import './cs-file-preview'
import './cs-incoming'
import './cs-join-dialog'
import './cs-settings-dialog'
import './cs-share-list'
import './cs-share-view'
import './cs-signal-status'
import './cs-welcome'

type Dialog = 'create' | 'join' | 'code' | 'settings' | undefined

/** A share's file list is reloaded at most this often while the engine reports changes. */
const DETAILS_INTERVAL_MS = 1_000
const SHARE_ROUTE = '#/share/'
const STATUS_VISIBLE_MS = 5_000
const JOIN_RECHECK_MS = 15_000
/** Above this share of the quota, the footer warns that storage is running out. */
const STORAGE_WARNING_SHARE = 0.9

/**
 * The application shell: header, the current screen (first run, the list of shares, one share),
 * the dialogs, and the messages. It is the one element that acts: it receives the elements'
 * intents and carries them out through AppActions, then shows the outcome.
 */
export class CsApp extends LitElement {
  static override properties = {
    status: { state: true },
    updateAvailable: { state: true },
    current: { state: true },
    dialog: { state: true },
    busy: { state: true },
    dialogError: { state: true },
    code: { state: true },
    joinCode: { state: true },
    details: { state: true },
    preview: { state: true },
    incoming: { state: true },
    storage: { state: true },
    startError: { state: true },
    elsewhere: { state: true },
    startingNotice: { state: true },
  }

  status = ''
  updateAvailable = false
  /** The share on screen, or undefined for the list. */
  current: string | undefined
  dialog: Dialog
  busy = false
  dialogError = ''
  code: CodeView | undefined
  joinCode = ''
  /** The open share's files, devices, options and archive. */
  details: ShareDetails | undefined
  preview: { path: string; file: File } | undefined
  incoming: File[] = []
  storage: StorageReport | undefined
  /** Why the engine did not start; it stays on screen (there is nothing else to show). */
  startError = ''
  /**
   * Another tab runs the engine (engine-lock.ts): it did when this tab opened (`open`), or it took
   * over from this tab (`moved`); `waiting` while this tab takes over.
   */
  elsewhere: 'open' | 'moved' | 'waiting' | undefined
  /** What the databases say while the engine starts; once it runs, its snapshots say it. */
  startingNotice: StorageNotice | undefined

  private readonly engine = new EngineController(this)
  private actions: AppActions | undefined
  private applyUpdate: (() => void) | undefined
  private takeOver: (() => void) | undefined
  /** Settles once the engine runs in this tab (with its actions) or could not start (undefined). */
  private readonly started: Promise<AppActions | undefined>
  private settleStarted: (actions: AppActions | undefined) => void = () => undefined
  /** Actions waiting for the engine to run here (`engineHere`). */
  private waitingForEngine = 0
  private readonly wakeLock = new TransferWakeLock()
  private detailsLoading = false
  private detailsAgain = false
  private lastDetailsAt = 0

  static override styles = [
    shared,
    css`
      :host {
        display: flex;
        flex-direction: column;
        min-height: 100dvh;
      }
      header {
        display: flex;
        align-items: center;
        gap: 0.6rem;
        padding: 0.65rem 1rem;
        padding-top: max(0.65rem, env(safe-area-inset-top));
        background: var(--cs-header);
        color: #fff;
      }
      @media (max-width: 25rem) {
        header {
          gap: 0.4rem;
          padding-inline: 0.75rem;
        }
        h1 {
          font-size: 1.05rem;
        }
        header button {
          padding-inline: 0.6rem;
        }
      }
      header img {
        width: 32px;
        height: 32px;
        border-radius: 8px;
      }
      h1 {
        font-size: 1.2rem;
        margin: 0;
        flex: 1;
      }
      header button {
        flex: none;
        color: #fff;
        border-color: rgb(255 255 255 / 0.6);
        background: transparent;
        min-height: 2.25rem;
      }
      header button:hover {
        background: rgb(255 255 255 / 0.15);
      }
      main {
        flex: 1;
        width: 100%;
        max-width: 72rem;
        margin: 0 auto;
        padding: 1.25rem 1rem 2rem;
      }
      .banner {
        display: flex;
        flex-wrap: wrap;
        gap: 0.5rem 1rem;
        align-items: center;
        justify-content: space-between;
        padding: 0.6rem 1rem;
        background: #fff4c2;
        color: #3a3000;
      }
      .banner button {
        color: #3a3000;
        border-color: #3a3000;
        background: transparent;
      }
      .offline {
        margin: 0;
        padding: 0.6rem 1rem;
        background: var(--cs-danger-soft);
        color: var(--cs-text);
        border-bottom: 1px solid var(--cs-border);
      }
      footer {
        max-width: 72rem;
        width: 100%;
        margin: 0 auto;
        padding: 0 1rem 1.5rem;
        color: var(--cs-muted);
        font-size: 0.9rem;
      }
      .toast {
        position: fixed;
        left: 50%;
        bottom: 1rem;
        transform: translateX(-50%);
        width: max-content;
        max-width: calc(100vw - 2rem);
        padding: 0.7rem 1rem;
        border-radius: 0.6rem;
        background: var(--cs-text);
        color: var(--cs-bg);
        box-shadow: 0 8px 24px rgb(0 0 0 / 0.25);
      }
      .toast:empty {
        display: none;
      }
      .starting {
        color: var(--cs-muted);
      }
    `,
  ]

  constructor() {
    super()
    this.started = new Promise((resolve) => (this.settleStarted = resolve))
    this.engine.onSnapshot((snapshot) => {
      this.wakeLock.set(snapshot.shares.some((s) => s.progress.downloadRate > 0 || s.progress.uploadRate > 0))
      if (this.current && !snapshot.shares.some((s) => s.location === this.current)) this.current = undefined
      if (this.code) this.code = snapshot.codes.find((c) => c.code === this.code?.code) ?? this.code
      void this.loadDetails()
    })
    this.addEventListener('cs-show-create', () => this.openDialog('create'))
    this.addEventListener('cs-show-join', () => this.openDialog('join'))
    this.addEventListener('cs-close', () => this.closeDialogs())
    this.addEventListener('cs-go-home', () => this.go(undefined))
    this.addEventListener('cs-open-share', (e) => this.go(e.detail.location))
    this.addEventListener('cs-create-share', (e) => void this.onCreate(e.detail))
    this.addEventListener('cs-join-share', (e) => void this.onJoin(e.detail))
    this.addEventListener('cs-show-code', (e) => void this.onShowCode(e.detail.location))
    this.addEventListener('cs-make-code', (e) => void this.onMakeCode(e.detail))
    this.addEventListener(
      'cs-cancel-code',
      (e) => void this.run('Code cancelled.', (a) => a.cancelCode(e.detail.code)),
    )
    this.addEventListener(
      'cs-extend-code',
      (e) => void this.run('Code extended.', (a) => a.extendCode(e.detail.code, e.detail.expiresInMs)),
    )
    this.addEventListener('cs-pause', () => void this.run('Syncing paused.', (a) => a.pause()))
    this.addEventListener('cs-resume', () => void this.run('Syncing resumed.', (a) => a.resume()))
    this.addEventListener('cs-remove-share', (e) => void this.onRemove(e.detail.location))
    this.addEventListener('cs-add-files', (e) => void this.onAddFiles(this.current, e.detail.files))
    this.addEventListener('cs-preview', (e) => void this.onPreview(e.detail.path))
    this.addEventListener('cs-save-file', (e) => void this.onSaveFile(e.detail.path))
    this.addEventListener('cs-save-zip', (e) => void this.onSaveZip(e.detail.path))
    this.addEventListener('cs-save-settings', (e) => this.onSaveSettings(e.detail))
    this.addEventListener(
      'cs-set-excluded',
      (e) =>
        void this.onShareChange('Saved what this device keeps.', (a, l) =>
          a.setExcluded(l, e.detail.excluded),
        ),
    )
    this.addEventListener(
      'cs-set-archive',
      (e) =>
        void this.onShareChange(e.detail.enabled ? 'Archive on.' : 'Archive off.', (a, l) =>
          a.setArchive(l, e.detail.enabled),
        ),
    )
    this.addEventListener(
      'cs-restore',
      (e) => void this.onShareChange('File restored.', (a, l) => a.restore(l, e.detail.archived)),
    )
    this.addEventListener(
      'cs-allow-folder',
      () => void this.onShareChange('ClearSkies may use the folder again.', (a, l) => a.allowFolder(l)),
    )
    this.addEventListener('cs-add-incoming', (e) => void this.onIncoming(e.detail.location))
    // What a pending join says changes with time alone (after a minute without an answer).
    setInterval(() => {
      if (this.engine.snapshot?.joining.length) this.requestUpdate()
    }, JOIN_RECHECK_MS)
    window.addEventListener('popstate', () => this.readRoute())
    window.addEventListener('hashchange', () => this.readRoute())
    this.readRoute()
  }

  // --- what main.ts calls --------------------------------------------------------------------

  /** Shows the "new version" prompt; `apply` activates the waiting service worker and reloads. */
  offerUpdate(apply: () => void): void {
    this.applyUpdate = apply
    this.updateAvailable = true
  }

  /** The engine runs in another tab, or this tab is taking it over (`takeOver` undefined). */
  runsElsewhere(where: 'open' | 'moved' | 'waiting', takeOver?: () => void): void {
    this.elsewhere = where
    this.takeOver = takeOver
    // The engine's snapshots stop here: a transfer it had under way no longer keeps this screen on.
    this.wakeLock.set(false)
    if (where === 'open' && this.waitingForEngine > 0) takeOver?.()
  }

  /** The engine is running: the screens attach to it. */
  connect(client: EngineClient): void {
    this.elsewhere = undefined
    this.actions = new AppActions(client)
    this.settleStarted(this.actions)
    this.engine.attach(client)
    void incomingFiles().then((files) => (this.incoming = files))
    if (new URLSearchParams(location.search).has(INCOMING_PARAM))
      history.replaceState(null, '', location.pathname + location.hash)
  }

  /** How much browser storage the app uses, and whether the browser promised to keep it. */
  showStorage(report: StorageReport): void {
    this.storage = report
  }

  /** A database the starting engine opens is kept waiting by another tab, or no longer is. */
  startingStorage(notice: StorageNotice | undefined): void {
    this.startingNotice = notice
  }

  startFailed(message: string): void {
    this.settleStarted(undefined)
    this.elsewhere = undefined
    this.startError = message
  }

  announce(message: string): void {
    this.status = message
  }

  /** A message stays long enough to read, then the toast goes (screen readers heard it at once). */
  override updated(changed: Map<string, unknown>): void {
    if (!changed.has('status') || !this.status) return
    const shown = this.status
    setTimeout(() => {
      if (this.status === shown) this.status = ''
    }, STATUS_VISIBLE_MS)
  }

  // --- navigation ----------------------------------------------------------------------------

  /** `#SYNC…` (a share link or the protocol handler) opens the join dialog; `#/share/NAME` a share. */
  private readRoute(): void {
    const hash = location.hash
    if (hash.startsWith(SHARE_ROUTE)) {
      this.current = shareFromRoute(hash.slice(SHARE_ROUTE.length))
      return
    }
    const code = codeFromHash(hash)
    if (code) {
      // The code is a secret: it leaves the address bar (and the history) at once.
      history.replaceState(null, '', location.pathname)
      this.joinCode = code
      this.openDialog('join')
    }
    this.current = undefined
  }

  /** Shows the list (undefined) or a share; a message about the screen left behind goes with it. */
  private go(locationName: string | undefined): void {
    this.status = ''
    this.current = locationName
    this.details = undefined
    history.pushState(
      null,
      '',
      locationName === undefined ? location.pathname : SHARE_ROUTE + encodeURIComponent(locationName),
    )
    void this.loadDetails(true)
    window.scrollTo(0, 0)
  }

  private async loadDetails(now = false): Promise<void> {
    const current = this.current
    if (!current || !this.actions) return
    if (this.detailsLoading || (!now && Date.now() - this.lastDetailsAt < DETAILS_INTERVAL_MS)) {
      this.detailsAgain = true
      if (!this.detailsLoading) setTimeout(() => void this.loadDetails(), DETAILS_INTERVAL_MS)
      return
    }
    this.detailsLoading = true
    this.detailsAgain = false
    try {
      const details = await this.actions.shareDetails(current)
      if (this.current === current) this.details = details
    } catch {
      // The share went away between the snapshot and the listing; the next snapshot says so.
    } finally {
      this.lastDetailsAt = Date.now()
      this.detailsLoading = false
      if (this.detailsAgain) setTimeout(() => void this.loadDetails(), DETAILS_INTERVAL_MS)
    }
  }

  private openDialog(dialog: Dialog): void {
    this.dialogError = ''
    this.dialog = dialog
  }

  private closeDialogs(): void {
    this.dialog = undefined
    this.preview = undefined
    this.joinCode = ''
  }

  // --- intents -------------------------------------------------------------------------------

  /** Runs an action, says `done` when it worked, or shows its error (in the dialog, if one is open). */
  private async run<T>(done: string, work: (actions: AppActions) => Promise<T>): Promise<T | undefined> {
    if (this.elsewhere === 'moved') {
      this.status = 'ClearSkies now runs in another tab. Choose “Use ClearSkies here” to work in this one.'
      return undefined
    }
    this.busy = true
    try {
      const actions = this.actions ?? (await this.engineHere())
      if (!actions) return undefined // startFailed says why
      const result = await work(actions)
      if (done) this.status = done
      return result
    } catch (err) {
      const message = err instanceof ActionError ? err.message : String(err)
      if (this.dialog) this.dialogError = message
      else this.status = message
      return undefined
    } finally {
      this.busy = false
    }
  }

  /**
   * What is asked for while the engine starts waits for it; in a tab opened while another runs it
   * (a share link opened in a new tab), asking is choosing this tab, as "Use ClearSkies here" is.
   */
  private async engineHere(): Promise<AppActions | undefined> {
    this.waitingForEngine++
    try {
      if (this.elsewhere === 'open') this.takeOver?.()
      return await this.started
    } finally {
      this.waitingForEngine--
    }
  }

  private async onCreate({ name, folder }: CsEventMap['cs-create-share']): Promise<void> {
    const ok = await this.run('', async (a) => {
      await a.createShare(name, folder)
      return true
    })
    if (!ok) return
    this.dialog = undefined
    this.go(name)
    this.status = `Created “${name}”.`
  }

  private async onJoin({ code, name, folder }: CsEventMap['cs-join-share']): Promise<void> {
    const ok = await this.run('', async (a) => {
      await a.join(code, name, folder)
      return true
    })
    if (!ok) return
    this.closeDialogs()
    this.go(undefined)
    this.status = `Joining “${name}”: looking for the device that made the code.`
  }

  private async onShowCode(locationName: string): Promise<void> {
    this.code = undefined
    this.openDialog('code')
    const share = this.engine.snapshot?.shares.find((s) => s.location === locationName)
    const level = share?.accessLevel === 'read_write' ? 'read_write' : 'read_only'
    this.code = await this.run('', (a) => a.makeCode(locationName, level))
  }

  private async onMakeCode({ level }: CsEventMap['cs-make-code']): Promise<void> {
    const current = this.current
    if (!current) return
    const previous = this.code
    this.code = undefined
    this.code = await this.run('', (a) => a.makeCode(current, level, previous))
  }

  private async onRemove(locationName: string): Promise<void> {
    const removed = await this.run('', async (a) => {
      await a.removeShare(locationName)
      return true
    })
    if (!removed) return
    this.go(undefined)
    this.status = `Removed “${locationName}” from this device.`
  }

  /** A change to the open share, then its view reloaded. */
  private async onShareChange(
    done: string,
    change: (actions: AppActions, location: string) => Promise<void>,
  ): Promise<void> {
    const current = this.current
    if (!current) return
    await this.run(done, (a) => change(a, current))
    void this.loadDetails(true)
  }

  private async onAddFiles(
    locationName: string | undefined,
    files: CsEventMap['cs-add-files']['files'],
  ): Promise<void> {
    if (!locationName) return
    this.status = `Adding ${files.length} ${files.length === 1 ? 'file' : 'files'}…`
    await this.run(
      `Added ${files.length} ${files.length === 1 ? 'file' : 'files'} to “${locationName}”.`,
      (a) => a.addFiles(locationName, files),
    )
    void this.loadDetails(true)
  }

  private async onPreview(path: string): Promise<void> {
    const current = this.current
    if (!current) return
    const file = await this.run('', (a) => a.readFile(current, path))
    if (file) this.preview = { path, file }
  }

  private async onSaveFile(path: string): Promise<void> {
    const current = this.current
    if (!current) return
    const outcome = await this.run('', (a) => a.saveFile(current, path))
    if (outcome === 'saved') this.status = 'File saved.'
    else if (outcome === 'downloaded') this.status = 'Download started.'
  }

  private async onSaveZip(path: string): Promise<void> {
    const current = this.current
    if (!current) return
    this.status = 'Preparing the zip…'
    const result = await this.run('', (a) => a.saveZip(current, path))
    if (!result || result.outcome === 'cancelled') return
    this.status = zipSavedStatus(result.outcome, result.missing)
  }

  private onSaveSettings(settings: CsEventMap['cs-save-settings']): void {
    saveSettings(settings)
    location.reload()
  }

  private async onIncoming(locationName: string): Promise<void> {
    const files = this.incoming.map((file) => ({ path: `/${file.name}`, file }))
    if (this.current !== locationName) this.go(locationName)
    await this.onAddFiles(locationName, files)
    await clearIncoming()
    this.incoming = []
  }

  // --- rendering -----------------------------------------------------------------------------

  private renderScreen() {
    const snapshot = this.engine.snapshot
    if (this.elsewhere) return this.renderElsewhere(this.elsewhere)
    if (this.startError) return html`<p class="error" role="alert">${this.startError}</p>`
    if (!snapshot) return html`<p class="starting" role="status">Starting ClearSkies…</p>`
    // The notice above says why, and offers the reload.
    if (snapshot.stopped)
      return html`<p class="starting" role="status">
        ClearSkies has stopped in this tab and no longer syncs here.
      </p>`
    if (this.current) {
      return html`<cs-share-view
        .status=${snapshot.shares.find((s) => s.location === this.current)}
        .files=${this.details?.files ?? []}
        .peers=${this.details?.peers ?? []}
        .options=${this.details?.options ?? {}}
        .archive=${this.details?.archive ?? []}
        .folderAccess=${this.details?.folderAccess}
        ?paused=${snapshot.paused}
        ?busy=${this.busy}
      ></cs-share-view>`
    }
    if (snapshot.shares.length === 0 && snapshot.joining.length === 0) return html`<cs-welcome></cs-welcome>`
    return html`<cs-share-list
      .shares=${snapshot.shares}
      .joining=${snapshot.joining}
      ?paused=${snapshot.paused}
      .joinMessages=${new Map(snapshot.joining.map((j) => [j.location, explainJoinWait(j.sinceMs, j.problem)]))}
    ></cs-share-list>`
  }

  private renderElsewhere(where: 'open' | 'moved' | 'waiting') {
    if (where === 'waiting')
      return html`<p class="starting" role="status">Waiting for the other tab to hand ClearSkies over…</p>`
    return html`<section class="elsewhere" role="alert">
      <p>
        ${where === 'open' ? 'ClearSkies is open in another tab.' : 'ClearSkies is now open in another tab, and syncs there.'}
        It runs in one tab at a time, so that two tabs never write the same files.
      </p>
      <button @click=${() => this.takeOver?.()}>Use ClearSkies here</button>
    </section>`
  }

  private renderStorage() {
    const { usageBytes, quotaBytes, persisted } = this.storage ?? {}
    if (usageBytes === undefined || quotaBytes === undefined) return nothing
    const full = usageBytes / quotaBytes > STORAGE_WARNING_SHARE
    return html`<p class=${full ? 'error' : ''}>
      Browser storage: ${formatBytes(usageBytes)} used of ${formatBytes(quotaBytes)}.
      ${full ? 'It is almost full: save files out and remove shares you no longer need, or free space on the device.' : ''}
      ${persisted ? '' : 'The browser may clear it when space runs low; install the app or bookmark it to keep it safe.'}
    </p>`
  }

  private renderStorageNotice() {
    const notice = this.engine.snapshot ? this.engine.snapshot.storage : this.startingNotice
    if (!notice) return nothing
    return html`<div class="banner" role="alert">
      <span>${notice.message}</span>
      ${notice.mustReload ? html`<button @click=${() => location.reload()}>Reload</button>` : nothing}
    </div>`
  }

  override render() {
    const snapshot = this.engine.snapshot
    const share = snapshot?.shares.find((s) => s.location === this.current)
    return html`
      ${this.renderStorageNotice()}
      ${
        this.updateAvailable
          ? html`<div class="banner" role="alert">
              <span>A new version of ClearSkies is ready.</span>
              <button @click=${() => this.applyUpdate?.()}>Reload to update</button>
            </div>`
          : nothing
      }
      <header>
        <img src="/icons/icon-192.png" alt="" />
        <h1>ClearSkies</h1>
        ${this.elsewhere || snapshot?.stopped ? nothing : html`<cs-signal-status .status=${this.engine.signaling}></cs-signal-status>`}
        <button @click=${() => this.openDialog('settings')}>Settings</button>
      </header>
      ${
        this.incoming.length > 0 && snapshot
          ? html`<cs-incoming
              .files=${this.incoming}
              .shares=${snapshot.shares.filter((s) => s.accessLevel === 'read_write')}
            ></cs-incoming>`
          : nothing
      }
      ${
        this.engine.signaling?.signaling === 'offline' && !snapshot?.stopped
          ? html`<p class="offline" role="status">
              Cannot reach the signaling server (${this.engine.signaling.error ?? 'no answer'}). Your files
              stay here and sync again once it is reachable: check your internet connection, or the server
              address in Settings.
            </p>`
          : nothing
      }
      <main>${this.renderScreen()}</main>
      <footer>
        ${this.renderStorage()}
        <p>
          ClearSkies syncs while this tab is open. If you close it, syncing stops, and it picks up where it
          left off when you open ClearSkies again.
        </p>
      </footer>
      <p class="toast" role="status" aria-live="polite">${this.status}</p>
      <cs-create-dialog
        ?open=${this.dialog === 'create'}
        ?busy=${this.busy}
        .error=${this.dialogError}
      ></cs-create-dialog>
      <cs-join-dialog
        ?open=${this.dialog === 'join'}
        ?busy=${this.busy}
        .error=${this.dialogError}
        .code=${this.joinCode}
      ></cs-join-dialog>
      <cs-code-dialog
        ?open=${this.dialog === 'code'}
        .location=${this.current ?? ''}
        .code=${this.code}
        ?canGrantEdit=${share?.accessLevel === 'read_write'}
        .signaling=${this.engine.signaling?.signaling ?? 'connecting'}
        .peers=${share?.peers ?? 0}
        ?busy=${this.busy}
        .error=${this.dialogError}
      ></cs-code-dialog>
      <cs-settings-dialog
        ?open=${this.dialog === 'settings'}
        .settings=${loadSettings()}
      ></cs-settings-dialog>
      <cs-file-preview .path=${this.preview?.path ?? ''} .file=${this.preview?.file}></cs-file-preview>
    `
  }
}

customElements.define('cs-app', CsApp)

declare global {
  interface HTMLElementTagNameMap {
    'cs-app': CsApp
  }
}
