import type { EntryStat, FileStore, ListedEntry } from './file-store'
import { hashStream, type HasherFactory } from './hasher'
import { Selection } from './ignore'
import { baseName, isWithin, parseSharePath, ROOT_PATH, PathError, type SharePath } from './share-path'

/**
 * A full scan of the local folder against what the database already knows.
 *
 * directory.md, "First Sync": "The scan should capture the entire list of files before
 * checksumming any of them, which will allow change tracking to work almost immediately"; so
 * the listing comes first, then only files whose size or mtime differ from the known ones are
 * hashed, streamed. "File Change Notification": "It is the job of the detector to notice moved or
 * renamed files whenever possible ... a full rescan should look at the entire batch of changes
 * before sending them": a deleted file and a new file with the same SHA-256 in one scan are one
 * move. "Computer Resources": "if the root directory that was shared is missing, the software
 * should go into an error state instead of treating this as a deletion": the store's
 * `ERR_SHARE_ROOT_MISSING` propagates, and a root that is suddenly empty while files were known
 * (an unmounted disk's empty mount point) is `ERR_SHARE_ROOT_EMPTY` unless the caller allows it.
 */

/** What the database knew of a path at the last scan: the local size and mtime when it was hashed. */
export interface KnownEntry {
  readonly kind: 'file' | 'directory'
  readonly size: number
  /** The mtime the disk reported when the file was hashed (not the record's `mtime`, which a peer may set). */
  readonly mtimeNs: bigint
  /** null for directories. */
  readonly sha256: string | null
}

export interface ScannedEntry extends EntryStat {
  readonly path: SharePath
  readonly kind: 'file' | 'directory'
  readonly sha256: string | null
}

export interface ChangeBatch {
  readonly added: ScannedEntry[]
  /** Files whose content changed, or a path whose kind changed. */
  readonly modified: ScannedEntry[]
  readonly deleted: { readonly path: SharePath; readonly known: KnownEntry }[]
  readonly moved: { readonly from: SharePath; readonly to: ScannedEntry }[]
  /** Not synced this time, with why: a name that is not a valid share path, an unreadable or still-changing file. */
  readonly skipped: { readonly path: string; readonly reason: string }[]
}

export interface ScanProgress {
  readonly phase: 'listing' | 'hashing' | 'done'
  readonly entriesListed: number
  readonly filesToHash: number
  readonly filesHashed: number
  readonly bytesToHash: number
  readonly bytesHashed: number
}

export interface ScanOptions {
  readonly store: FileStore
  readonly createHasher: HasherFactory
  /** Share path -> what the database holds for this peer's copy. */
  readonly known: ReadonlyMap<SharePath, KnownEntry>
  readonly selection?: Selection
  readonly onProgress?: (progress: ScanProgress) => void
  readonly signal?: AbortSignal
  /** The user confirmed that an empty folder really means "everything was deleted". */
  readonly allowEmptyRoot?: boolean
}

export class ScanError extends Error {
  readonly code = 'ERR_SHARE_ROOT_EMPTY'
}

interface Listing {
  readonly entries: Map<SharePath, ListedEntry>
  readonly unreadable: SharePath[]
  readonly skipped: { path: string; reason: string }[]
}

async function listAll(
  options: ScanOptions,
  selection: Selection,
  report: (listed: number) => void,
): Promise<Listing> {
  const listing: Listing = { entries: new Map(), unreadable: [], skipped: [] }
  const excluded = (path: string): boolean => {
    try {
      return !selection.includes(selection.toShare(parseSharePath(path)), true)
    } catch {
      return false // an invalid name is reported below, with its reason
    }
  }
  for await (const entry of options.store.list(excluded)) {
    options.signal?.throwIfAborted()
    let path: SharePath
    try {
      path = selection.toShare(parseSharePath(entry.path))
    } catch (err) {
      if (!(err instanceof PathError)) throw err
      listing.skipped.push({ path: entry.path, reason: err.message })
      continue
    }
    if (entry.kind === 'other' || !selection.includes(path, entry.kind === 'directory')) continue
    listing.entries.set(path, entry)
    if (entry.unreadable) listing.unreadable.push(path)
    report(listing.entries.size)
  }
  return listing
}

function needsHash(entry: ListedEntry, known: KnownEntry | undefined): boolean {
  return known?.kind !== 'file' || known.size !== entry.size || known.mtimeNs !== entry.mtimeNs
}

/** Pairs deletions with additions of the same content; a same-named candidate wins (a move to another folder). */
function detectMoves(batch: ChangeBatch): void {
  const bySha = new Map<string, SharePath[]>()
  for (const { path, known } of batch.deleted) {
    if (known.sha256 !== null) bySha.set(known.sha256, [...(bySha.get(known.sha256) ?? []), path])
  }
  const moved = new Set<SharePath>()
  batch.added.forEach((entry) => {
    const candidates = entry.sha256 === null ? undefined : bySha.get(entry.sha256)
    if (!candidates?.length) return
    const index = Math.max(
      0,
      candidates.findIndex((from) => baseName(from) === baseName(entry.path)),
    )
    const [from] = candidates.splice(index, 1)
    if (from === undefined) return
    batch.moved.push({ from, to: entry })
    moved.add(from).add(entry.path)
  })
  const keep = <T>(list: T[], pathOf: (item: T) => SharePath): void => {
    const rest = list.filter((item) => !moved.has(pathOf(item)))
    list.splice(0, list.length, ...rest)
  }
  keep(batch.added, (entry) => entry.path)
  keep(batch.deleted, (entry) => entry.path)
}

export async function scan(options: ScanOptions): Promise<ChangeBatch> {
  const selection = options.selection ?? new Selection()
  let progress: ScanProgress = {
    phase: 'listing',
    entriesListed: 0,
    filesToHash: 0,
    filesHashed: 0,
    bytesToHash: 0,
    bytesHashed: 0,
  }
  const report = (change: Partial<ScanProgress>): void => {
    progress = { ...progress, ...change }
    options.onProgress?.(progress)
  }
  await options.store.checkRoot()
  const listing = await listAll(options, selection, (entriesListed) => report({ entriesListed }))
  const batch: ChangeBatch = { added: [], modified: [], deleted: [], moved: [], skipped: listing.skipped }

  const root = selection.toShare(ROOT_PATH)
  const knownSelected = [...options.known].filter(
    ([path, known]) => path !== root && selection.includes(path, known.kind === 'directory'),
  )
  if (listing.entries.size === 0 && knownSelected.length > 0 && !options.allowEmptyRoot) {
    throw new ScanError(
      `the share folder is empty but ${knownSelected.length} entries were known: is a disk unmounted?`,
    )
  }
  if (!options.known.has(root))
    batch.added.push({ path: root, kind: 'directory', size: 0, mtimeNs: 0n, sha256: null })

  const toHash = [...listing.entries].filter(
    ([path, entry]) => entry.kind === 'file' && needsHash(entry, options.known.get(path)),
  )
  report({
    phase: 'hashing',
    filesToHash: toHash.length,
    bytesToHash: toHash.reduce((sum, [, entry]) => sum + entry.size, 0),
  })
  for (const [path, entry] of listing.entries) {
    const known = options.known.get(path)
    if (entry.kind === 'directory') {
      if (known === undefined) batch.added.push({ ...entry, path, kind: 'directory', sha256: null })
      else if (known.kind !== 'directory')
        batch.modified.push({ ...entry, path, kind: 'directory', sha256: null })
      continue
    }
    if (!needsHash(entry, known)) continue
    options.signal?.throwIfAborted()
    const hashed = await hashFile(options, path, entry, (bytes) =>
      report({ bytesHashed: progress.bytesHashed + bytes }),
    )
    report({ filesHashed: progress.filesHashed + 1 })
    if (typeof hashed === 'string') batch.skipped.push({ path, reason: hashed })
    else (known === undefined ? batch.added : batch.modified).push(hashed)
  }

  for (const [path, known] of knownSelected) {
    if (listing.entries.has(path) || listing.unreadable.some((dir) => isWithin(path, dir))) continue
    batch.deleted.push({ path, known })
  }
  detectMoves(batch)
  report({ phase: 'done' })
  return batch
}

/** Hashes one file, streamed; a reason string instead when it cannot be read or changed while read. */
async function hashFile(
  options: ScanOptions,
  path: SharePath,
  entry: ListedEntry,
  onBytes: (bytes: number) => void,
): Promise<ScannedEntry | string> {
  const local = options.selection?.toLocal(path) ?? path
  try {
    const { sha256, size } = await hashStream(options.store.read(local), options.createHasher, onBytes)
    const after = await options.store.stat(local)
    if (
      after?.kind !== 'file' ||
      after.size !== entry.size ||
      after.mtimeNs !== entry.mtimeNs ||
      size !== entry.size
    ) {
      return 'changed while it was being read; it will be scanned again'
    }
    return { ...entry, path, kind: 'file', sha256 }
  } catch (err) {
    return `could not be read: ${(err as Error).message}`
  }
}
