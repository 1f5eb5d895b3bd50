/**
 * The File System Access API as this platform uses it, on any FileSystemDirectoryHandle: the
 * origin private file system (`navigator.storage.getDirectory()`) or a folder the person picked
 * (`showDirectoryPicker()`). Here are the parts TypeScript's lib does not describe yet, and the
 * mapping of the API's DOMExceptions onto the file store's typed errors.
 */
import { FileStoreError } from '../../protocol/directory/file-store'

/** `FileSystemHandle.move()`: Chromium has it on OPFS and on picked folders; not in TypeScript's lib. */
interface MovableHandle {
  move(parent: FileSystemDirectoryHandle, name: string): Promise<void>
}

/** `queryPermission()` of the File System Access API (WICG); absent where there is nothing to ask. */
interface PermissionedHandle {
  queryPermission(descriptor: { mode: 'read' | 'readwrite' }): Promise<'granted' | 'denied' | 'prompt'>
}

export type EntryHandle = FileSystemFileHandle | FileSystemDirectoryHandle

/** Moves a handle in one step where the browser can; false where it cannot (the caller copies). */
export async function tryMove(
  handle: FileSystemHandle,
  parent: FileSystemDirectoryHandle,
  name: string,
): Promise<boolean> {
  const move = (handle as Partial<MovableHandle>).move
  if (typeof move !== 'function') return false
  try {
    await move.call(handle, parent, name)
    return true
  } catch (err) {
    if (domName(err) === 'NotSupportedError') return false
    throw err
  }
}

/** 'granted' where the API has no permissions to ask (OPFS in some browsers). */
export async function readWritePermission(
  handle: FileSystemDirectoryHandle,
): Promise<'granted' | 'denied' | 'prompt'> {
  const query = (handle as Partial<PermissionedHandle>).queryPermission
  if (typeof query !== 'function') return 'granted'
  return query.call(handle, { mode: 'readwrite' })
}

export function domName(err: unknown): string | undefined {
  return err instanceof DOMException ? err.name : undefined
}

/** A file or directory handle by name, or null; a file where a directory is asked for is not an error here. */
export async function entryIn(dir: FileSystemDirectoryHandle, name: string): Promise<EntryHandle | null> {
  try {
    return await dir.getFileHandle(name)
  } catch (err) {
    if (domName(err) === 'NotFoundError') return null
    if (domName(err) !== 'TypeMismatchError') throw storeError(err, name)
  }
  try {
    return await dir.getDirectoryHandle(name)
  } catch (err) {
    if (domName(err) === 'NotFoundError') return null // removed between the two calls
    throw storeError(err, name)
  }
}

/**
 * The file store's error for a DOMException of the API, naming what was being done; anything
 * else is returned as it is. Quota exhaustion and lost permission get their own codes so the
 * engine can stop and tell the person, rather than retry.
 */
export function storeError(err: unknown, what: string): unknown {
  switch (domName(err)) {
    case 'NotFoundError':
      return new FileStoreError('ERR_NOT_FOUND', `${what} does not exist`, { cause: err })
    case 'TypeMismatchError':
      return new FileStoreError(
        'ERR_NOT_A_DIRECTORY',
        `${what}: a file is where a folder should be, or the other way round`,
        { cause: err },
      )
    case 'InvalidModificationError':
      return new FileStoreError('ERR_NOT_EMPTY', `${what} is a folder that is not empty`, { cause: err })
    case 'NotAllowedError':
    case 'SecurityError':
      return new FileStoreError(
        'ERR_NO_PERMISSION',
        `${what}: the browser no longer allows access to this folder; grant it again`,
        { cause: err },
      )
    case 'NoModificationAllowedError':
      return new FileStoreError(
        'ERR_BUSY',
        `${what} is locked by another writer (is the share open in another tab?)`,
        { cause: err },
      )
    case 'QuotaExceededError':
      return new FileStoreError(
        'ERR_NO_SPACE',
        `${what}: the browser's storage quota for this site is full (free space, or ask for persistent storage)`,
        { cause: err },
      )
    default:
      return err
  }
}

/** Runs one API call, turning its DOMException into the file store's typed error. */
export async function guarded<T>(what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call()
  } catch (err) {
    throw storeError(err, what)
  }
}
