/**
 * `FileSystemSyncAccessHandle`: OPFS files, in a dedicated worker (where the engine runs). Reads
 * and writes go straight to the file from the worker, without the browser process in between,
 * which makes them the cheapest way through a file: the fast path for hashing (bench/browser) and
 * for writing temporary files in place (`sync-temp-file.ts`).
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

/** 'read-only' handles share the file with each other (Chromium 121+); 'readwrite' is exclusive. */
export type SyncAccessMode = 'read-only' | 'readwrite'

interface SyncCapable {
  createSyncAccessHandle(options?: { mode: SyncAccessMode }): Promise<SyncAccessHandle>
}

/**
 * The file's sync access handle; null where the browser has none for it (the page's thread, a
 * picked folder, a browser without the API). Throws the DOMException where it has one but cannot
 * give it now: `NoModificationAllowedError` for a file locked by another handle.
 */
export async function openSyncAccess(handle: FileSystemFileHandle, mode: SyncAccessMode): Promise<SyncAccessHandle | null> {
  const create = (handle as Partial<SyncCapable>).createSyncAccessHandle
  if (typeof create !== 'function') return null
  try {
    return await create.call(handle, { mode })
  } catch (err) {
    if (domName(err) === 'NoModificationAllowedError' || domName(err) === 'QuotaExceededError') throw err
    return null
  }
}

/** [start, end) in fresh chunks of at most 1 MiB; synchronous reads, a few hundred microseconds each. */
export async function* readSyncAccess(access: SyncAccessHandle, start: number, end: number): AsyncGenerator<Uint8Array<ArrayBuffer>> {
  const stop = Math.min(end, access.getSize())
  for (let at = Math.max(0, start); at < stop; ) {
    const chunk = new Uint8Array(Math.min(MAX_READ_CHUNK_BYTES, stop - at))
    const read = access.read(chunk, { at })
    if (read === 0) return
    at += read
    yield read === chunk.byteLength ? chunk : chunk.subarray(0, read)
  }
}
