/**
 * `FileSystemSyncAccessHandle`: OPFS files, in a dedicated worker (where the engine runs). Writes
 * go straight into the file, without a swap file: how temporary files are written where it exists
 * (`sync-temp-file.ts`). Reads of committed files do not use it: it locks the file, and in the
 * bench it was no faster than `Blob.stream()` (`blob-reader.ts`).
 */
import { MAX_READ_CHUNK_BYTES } from '../../protocol/directory/file-store'
import { domName } from './fsa-handles'

/** The handle's methods as used here, described because the page's DOM lib has no such type. */
export interface SyncAccessHandle {
  read(buffer: Uint8Array<ArrayBuffer>, options: { at: number }): number
  write(buffer: Uint8Array<ArrayBuffer>, options: { at: number }): number
  truncate(size: number): void
  getSize(): number
  flush(): void
  close(): void
}

interface SyncCapable {
  createSyncAccessHandle(): Promise<SyncAccessHandle>
}

/**
 * The file's sync access handle, which holds the file exclusively until closed; null where the
 * browser has none for it (the page's thread, a picked folder, a browser without the API). Throws
 * the DOMException where it has one but cannot give it now: `NoModificationAllowedError` for a
 * file locked by another handle.
 */
export async function openSyncAccess(handle: FileSystemFileHandle): Promise<SyncAccessHandle | null> {
  const create = (handle as Partial<SyncCapable>).createSyncAccessHandle
  if (typeof create !== 'function') return null
  try {
    return await create.call(handle)
  } catch (err) {
    if (domName(err) === 'NoModificationAllowedError' || domName(err) === 'QuotaExceededError') throw err
    return null
  }
}

/** [start, end) in fresh chunks of at most 1 MiB (a temporary file's bytes, to re-hash before resuming). */
export async function* readSyncAccess(
  access: SyncAccessHandle,
  start: number,
  end: number,
): AsyncGenerator<Uint8Array<ArrayBuffer>> {
  const stop = Math.min(end, access.getSize())
  for (let at = Math.max(0, start); at < stop;) {
    const chunk = new Uint8Array(Math.min(MAX_READ_CHUNK_BYTES, stop - at))
    const read = access.read(chunk, { at })
    if (read === 0) return
    at += read
    yield read === chunk.byteLength ? chunk : chunk.subarray(0, read)
  }
}
