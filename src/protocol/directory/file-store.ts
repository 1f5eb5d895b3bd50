import { isSha256Hex } from './file-value'
import { hashStream, type HasherFactory, type HashResult } from './hasher'
import { ARCHIVE_DIR, TEMP_SUFFIX } from './ignore'
import { MAX_SEGMENT_BYTES, splitExtension, type SharePath } from './share-path'

/**
 * The platform interface for file contents: node:fs in the daemon, the File System Access API or
 * OPFS in the browser worker. It is shaped by what the weaker of the two can do: OPFS has no
 * atomic rename over an existing file everywhere, but `createWritable()` writes a swap file that
 * replaces the target on `close()`; so "write a temporary file, then commit it" is the contract,
 * and each platform commits as atomically as it can.
 *
 * Paths are relative to the local folder, in share-path syntax (`/a/b.txt`); with a subtree copy
 * `Selection.toLocal` gives them. A store maps names its file system cannot hold (`local-names.ts`)
 * and never follows a symbolic link below its root: nothing is read from or written to outside it.
 *
 * The rules it keeps (DESIGN.md, "Rules that protect users' files"; directory.md, "Retrieving
 * Files"): "The receiver should write to a temporary file, perhaps a hidden file with a
 * '.!clearsky' extension, until it has been fully received. The SHA256 checksum should be verified
 * before replacing the original file ... A check should be done on the destination file before
 * replacing it to see if it has been changed locally without the changes being noticed."
 */
export interface FileStore {
  /** Throws `FileStoreError` `ERR_SHARE_ROOT_MISSING` when the folder is gone (an unmounted disk). */
  checkRoot(): Promise<void>
  /**
   * The whole tree below the root, each directory before its contents. Symbolic links are skipped,
   * and so are directories for which `skipDirectory` (given the share path) says so, with all
   * below them: an ignored `node_modules/` or the archive is never walked.
   */
  list(skipDirectory?: (path: string) => boolean): AsyncIterable<ListedEntry>
  /** null when nothing is there. */
  stat(path: SharePath): Promise<EntryStat | null>
  /** The file's bytes (or a range of them) in chunks of at most MAX_READ_CHUNK_BYTES. */
  read(path: SharePath, range?: ByteRange): AsyncIterable<Uint8Array>
  /**
   * The temporary file that will become `path` with content `sha256`, created hidden beside the
   * target (`tempName`). If one is left from an interrupted transfer it is reopened, and its
   * `size` is where the transfer resumes. With `fresh`, whatever one holds is dropped (a store may
   * ignore the option; the caller then truncates what it finds).
   */
  openTemp(path: SharePath, sha256: string, options?: OpenTempOptions): Promise<TempFile>
  /**
   * Replaces the target (or `options.target`) with the temporary file in one step, after checking
   * the target is still what the caller last saw (`expected`); if not, nothing changes and the
   * temporary file stays for the caller to commit elsewhere (a conflict name) or discard.
   * Parent directories are created as needed. Once committed, the file is in place for every
   * reader; where the store defers part of making that survive a power cut, `settle` completes it.
   */
  commit(temp: TempFile, options: CommitOptions): Promise<ChangeResult>
  /**
   * Makes every commit so far survive a power cut, where the store defers that (the Node store
   * fsyncs each folder renamed into once, for all the commits made in it since). The engine calls
   * it before its local index records committed files, so the index never lists a file the disk
   * could still lose. Absent: every commit is as durable as the store makes it when it returns.
   */
  settle?(): Promise<void>
  /** Renames within the share; the destination must not exist. */
  move(from: SharePath, to: SharePath, expected: Expected): Promise<ChangeResult>
  /**
   * Deletes a file, or moves it to the archive folder (`/.clearskies-archive/...`) when
   * `archive` is set; an empty directory is removed, a non-empty one is `ERR_NOT_EMPTY`.
   */
  remove(path: SharePath, options: RemoveOptions): Promise<ChangeResult>
  /** Creates a directory and its parents; nothing happens if it exists. */
  mkdir(path: SharePath): Promise<void>
  /** Sets what the platform supports of mtime and mode; returns what the file now has. */
  setAttributes(path: SharePath, attributes: Attributes): Promise<EntryStat>
}

/** At most 1 MiB per chunk read, so a transfer or a hash never holds much of a file. */
export const MAX_READ_CHUNK_BYTES = 1024 * 1024

/** `other`: a symbolic link, device, socket or pipe; never listed, never read, never written through. */
export type EntryKind = 'file' | 'directory' | 'other'

export interface EntryStat {
  readonly kind: EntryKind
  /** Bytes; 0 for directories. */
  readonly size: number
  /** As the file system reports it, to the nanosecond where it can. */
  readonly mtimeNs: bigint
  /** Permission bits, where the platform has them. */
  readonly mode?: number
}

export interface ListedEntry extends EntryStat {
  /** The share path for this entry; not yet validated (a local name may not be a valid share path). */
  readonly path: string
  /**
   * A directory whose contents could not be listed (permission denied): what is known below it
   * is unknown now, not deleted.
   */
  readonly unreadable?: boolean
}

export interface ByteRange {
  readonly start: number
  readonly length: number
}

/** What the caller believes is at a path; checked just before a change. */
export type Expected =
  | { readonly kind: 'absent' }
  | { readonly kind: 'file'; readonly size: number; readonly mtimeNs: bigint }
  | { readonly kind: 'directory' }
  | { readonly kind: 'any' }

export interface Attributes {
  readonly mtimeNs?: bigint
  readonly mode?: number
}

export interface OpenTempOptions {
  /** Start empty: the transfer is not resumed (a small file is fetched whole). */
  readonly fresh?: boolean
}

export interface CommitOptions {
  readonly expected: Expected
  readonly attributes?: Attributes
  /** Commit under another name (a conflict file) instead of the temporary file's target. */
  readonly target?: SharePath
}

export interface RemoveOptions {
  readonly expected: Expected
  readonly archive: boolean
}

export type ChangeResult =
  | { readonly ok: true; readonly stat: EntryStat | null }
  | { readonly ok: false; readonly reason: 'changed'; readonly actual: EntryStat | null }

export interface TempFile {
  /** The path it will replace. */
  readonly path: SharePath
  /** The content it is for: a partial file is only resumed for the same content. */
  readonly sha256: string
  /** Bytes written so far: where a transfer resumes. */
  readonly size: number
  /**
   * True while appends of any size cost the file one copy, which gathers them into large writes
   * itself: the caller then appends what arrives as it is, rather than joining it first. (The
   * browser's sync-access temp file batches too, but there chunk-by-chunk appends came out 2-3 ms
   * of CPU a MB dearer than 1 MiB ones in bench/browser/profile.ts: it does not say it gathers.)
   */
  readonly gathers?: boolean
  /** Writes at the end; resolves once the platform has the bytes (back-pressure). Wait for each call before the next. */
  append(chunk: Uint8Array): Promise<void>
  /** The bytes so far, to re-hash before resuming. */
  read(): AsyncIterable<Uint8Array>
  /** Drops everything after `length` bytes (a bad tail, or 0 to start over). */
  truncate(length: number): Promise<void>
  /** Releases the file and keeps it, for a later resume. */
  close(): Promise<void>
  /** Releases and deletes it. */
  discard(): Promise<void>
}

export type FileStoreErrorCode =
  | 'ERR_SHARE_ROOT_MISSING'
  | 'ERR_OUTSIDE_SHARE'
  | 'ERR_NOT_FOUND'
  | 'ERR_NOT_A_FILE'
  | 'ERR_NOT_A_DIRECTORY'
  | 'ERR_NOT_EMPTY'
  | 'ERR_TEMP_CLOSED'
  /** The platform no longer lets us in (a picked folder's permission lapsed): the person must grant it again. */
  | 'ERR_NO_PERMISSION'
  /** The disk or the browser's storage quota is full: the change did not happen. */
  | 'ERR_NO_SPACE'
  /** Another holder has the file locked (in a browser: another tab running the same share). */
  | 'ERR_BUSY'

export class FileStoreError extends Error {
  constructor(
    readonly code: FileStoreErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options)
  }
}

/** Whether what is at a path (`actual`, null when nothing) is what the caller expected. */
export function matchesExpected(actual: EntryStat | null, expected: Expected): boolean {
  switch (expected.kind) {
    case 'any':
      return true
    case 'absent':
      return actual === null
    case 'directory':
      return actual?.kind === 'directory'
    case 'file':
      return actual?.kind === 'file' && actual.size === expected.size && actual.mtimeNs === expected.mtimeNs
  }
}

const utf8 = new TextEncoder()
const TEMP_TAG_HEX = 8

/**
 * `.<name>.<first 8 hex of sha256>.!clearsky`: hidden (a leading dot), beside the target so the
 * final rename stays within one directory (and one file system), tagged with the content so a
 * partial file is never resumed for a different version. The name is shortened to fit 255 bytes.
 */
export function tempName(name: string, sha256: string): string {
  // The tag goes into a file name: anything but hex (a "/" or "..") must never get that far.
  if (!isSha256Hex(sha256))
    throw new TypeError(`temporary file tag ${JSON.stringify(String(sha256).slice(0, 80))} is not a SHA-256`)
  const suffix = `.${sha256.slice(0, TEMP_TAG_HEX)}${TEMP_SUFFIX}`
  let stem = name
  while (utf8.encode(`.${stem}${suffix}`).byteLength > MAX_SEGMENT_BYTES)
    stem = [...stem].slice(0, -1).join('')
  return `.${stem}${suffix}`
}

/**
 * Where the archive keeps a file that was at `local` (a local path): `/.clearskies-archive/<path>`
 * on the first attempt, then `name~2.ext`, `name~3.ext`... for the store to try until one is free.
 */
export function archiveSlot(local: string, attempt: number): { readonly dir: string; readonly name: string } {
  const slash = local.lastIndexOf('/')
  const name = local.slice(slash + 1)
  const [stem, extension] = splitExtension(name)
  return {
    dir: `/${ARCHIVE_DIR}${local.slice(0, slash)}`,
    name: attempt <= 1 ? name : `${stem}~${attempt}${extension}`,
  }
}

/**
 * The local path an archived file was kept for: the inverse of `archiveSlot` (`/.clearskies-archive/a/b~3.txt`
 * was `/a/b.txt`), for an archive view that restores it; undefined for a path outside the archive.
 */
export function archivedOriginal(archived: string): string | undefined {
  const prefix = `/${ARCHIVE_DIR}/`
  if (!archived.startsWith(prefix)) return undefined
  const slash = archived.lastIndexOf('/')
  const [stem, extension] = splitExtension(archived.slice(slash + 1))
  return `${archived.slice(prefix.length - 1, slash)}/${stem.replace(/~[2-9]\d*$|~1\d+$/, '')}${extension}`
}

/**
 * Deduplication (directory.md: "a copy of the local file should be used"): streams a local file
 * into a temporary file, hashing as it goes. The caller commits only if the hash is the one it
 * wanted; the local file may have changed since it was scanned.
 */
export async function copyIntoTemp(
  store: FileStore,
  from: SharePath,
  temp: TempFile,
  createHasher: HasherFactory,
): Promise<HashResult> {
  await temp.truncate(0)
  async function* copied(): AsyncIterable<Uint8Array> {
    for await (const chunk of store.read(from)) {
      await temp.append(chunk)
      yield chunk
    }
  }
  return hashStream(copied(), createHasher)
}
