/**
 * What the interface's intents do: each one a call (or a few) on the engine worker, with its
 * error turned into a sentence that says what happened and what to do. The shell (cs-app) calls
 * these and shows the outcome; the elements never see the engine.
 */
import { parseAccessCode } from '../protocol/access'
import type { ShareOptions } from '../engine/stored'
import type { ArchivedView, CodeView, FileView, PeerView } from '../platform/browser/engine-host'
import type { EngineClient } from './engine-client'
import { askFolderAccess, folderAccess, type FolderAccess } from './file-access'
import { explain } from './messages'
import { saveFile, saveZip, type SaveOutcome } from './save/save'
import type { ZipEntry } from './save/zip-writer'

export interface ShareDetails {
  readonly files: FileView[]
  readonly peers: PeerView[]
  readonly options: ShareOptions
  readonly archive: ArchivedView[]
  /** For a share in a picked folder: whether the app may use it now. */
  readonly folderAccess?: FolderAccess
}

/** A failed action, with the sentence to show. */
export class ActionError extends Error {}

async function attempt<T>(doing: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work()
  } catch (err) {
    throw new ActionError(explain(err, doing))
  }
}

const DEFAULT_EXPIRY_MS = 24 * 3_600_000

export class AppActions {
  constructor(private readonly client: EngineClient) {}

  private get host() {
    return this.client.host
  }

  /** What a share's view lists: its files, its connected devices, what it keeps, its archive. */
  async shareDetails(location: string): Promise<ShareDetails> {
    const [files, peers, options, folder] = await Promise.all([
      this.host.listFiles(location),
      this.host.peers(location),
      this.host.shareOptions(location),
      this.host.folder(location),
    ])
    const archive = options.archive ? await this.host.listArchive(location) : []
    return { files, peers, options, archive, ...(folder ? { folderAccess: await folderAccess(folder) } : {}) }
  }

  /** Asks again for the picked folder (the browser forgets the permission on restart), then rescans. */
  allowFolder(location: string): Promise<void> {
    return attempt('use the folder', async () => {
      const folder = await this.host.folder(location)
      if (!folder) return
      if ((await askFolderAccess(folder)) !== 'granted') throw new DOMException('refused', 'NotAllowedError')
      await this.host.scan(location)
    })
  }

  /** Selective sync: the engine reopens the share with the new choice. */
  setExcluded(location: string, excluded: readonly string[]): Promise<void> {
    return attempt('change what this device keeps', async () => {
      const options = await this.host.shareOptions(location)
      await this.host.setShareOptions(location, { ...options, excluded: [...excluded] })
    })
  }

  setArchive(location: string, enabled: boolean): Promise<void> {
    return attempt('change the archive setting', async () => {
      const options = await this.host.shareOptions(location)
      await this.host.setShareOptions(location, { ...options, archive: enabled })
    })
  }

  restore(location: string, archived: string): Promise<void> {
    return attempt('restore the file', () => this.host.restoreArchived(location, archived))
  }

  createShare(name: string, folder?: FileSystemDirectoryHandle): Promise<void> {
    return attempt('create the share', () => this.host.createShare(name, folder))
  }

  /** The code is read here first, so a typo is explained before anything is stored. */
  join(codeText: string, name: string, folder?: FileSystemDirectoryHandle): Promise<void> {
    return attempt('join the share', async () => {
      const code = parseAccessCode(codeText)
      await this.host.addShare(code.text, name, folder)
    })
  }

  /** A fresh one-time code at `level`; an earlier code of this dialog that nobody used is cancelled. */
  makeCode(location: string, level: 'read_write' | 'read_only', previous?: CodeView): Promise<CodeView> {
    return attempt('make an access code', async () => {
      if (previous?.status === 'active' && previous.uses === 0)
        await this.host.cancelAccessCode(previous.code)
      return this.host.createAccessCode(location, level, false, DEFAULT_EXPIRY_MS)
    })
  }

  cancelCode(code: string): Promise<void> {
    return attempt('cancel the code', () => this.host.cancelAccessCode(code))
  }

  extendCode(code: string, expiresInMs: number | null): Promise<void> {
    return attempt('extend the code', () => this.host.extendAccessCode(code, expiresInMs))
  }

  removeShare(location: string): Promise<void> {
    return attempt('remove the share', () => this.host.removeShare(location))
  }

  pause(): Promise<void> {
    return attempt('pause', () => this.host.pause())
  }

  resume(): Promise<void> {
    return attempt('resume', () => this.host.resume())
  }

  addFiles(
    location: string,
    files: ReadonlyArray<{ readonly path: string; readonly file: File }>,
  ): Promise<void> {
    return attempt('add the files', () => this.host.addFiles(location, [...files]))
  }

  readFile(location: string, path: string): Promise<File> {
    return attempt('open the file', () => this.host.readFile(location, path))
  }

  saveFile(location: string, path: string): Promise<SaveOutcome> {
    return attempt('save the file', async () =>
      saveFile(await this.host.readFile(location, path), path.slice(path.lastIndexOf('/') + 1)),
    )
  }

  /**
   * The folder at `folder` (`/` for the whole share) as a zip; files not on this device yet are
   * left out, and their number is returned with the outcome.
   */
  saveZip(location: string, folder: string): Promise<{ outcome: SaveOutcome; missing: number }> {
    return attempt('save the zip', async () => {
      const prefix = folder === '/' ? '/' : `${folder.replace(/\/$/, '')}/`
      const listed = (await this.host.listFiles(location)).filter((f) => f.path.startsWith(prefix))
      const missing = listed.filter((f) => f.kind === 'file' && !f.present).length
      const host = this.host
      async function* entries(): AsyncIterable<ZipEntry> {
        for (const f of listed) {
          const path = f.path.slice(prefix.length)
          if (f.kind === 'directory') {
            yield { path: `${path.replace(/\/$/, '')}/`, size: 0, modified: new Date() }
          } else if (f.present) {
            const file = await host.readFile(location, f.path)
            yield { path, size: file.size, modified: new Date(file.lastModified), data: file.stream() }
          }
        }
      }
      const base =
        folder === '/'
          ? location
          : folder.replace(/\/$/, '').slice(folder.replace(/\/$/, '').lastIndexOf('/') + 1)
      return { outcome: await saveZip(entries(), `${base}.zip`), missing }
    })
  }
}
