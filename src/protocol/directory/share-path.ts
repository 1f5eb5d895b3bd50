/**
 * Share paths: the database `key` of a directory record (directory.md, "Database fields": "a
 * relative path, with a leading slash ... All slashes should be forward slashes").
 *
 * A path from a peer is never trusted (DESIGN.md, "Rules that protect users' files"): it is
 * checked here, once, at the edge, and past this module a `SharePath` can be joined under the
 * share root without ever leaving it. Paths are kept exactly as sent (no Unicode normalization):
 * the key is the identity of a record, and rewriting it would fork the record on other peers.
 * Names the local file system cannot hold are mapped by `local-names.ts`, not refused.
 */

/** The longest path accepted, in UTF-8 bytes (Linux PATH_MAX). */
export const MAX_PATH_BYTES = 4096
/** The longest single name accepted, in UTF-8 bytes (NAME_MAX on Linux, APFS, ext4, NTFS-ish). */
export const MAX_SEGMENT_BYTES = 255

/** A validated path: leading `/`, non-empty segments, nothing that escapes or confuses a file system. */
export type SharePath = string & { readonly __sharePath: true }

export const ROOT_PATH = '/' as SharePath

/** Every rule a peer's path can break; each is a stable code for logs and tests. */
export type PathRule =
  | 'not-a-string'
  | 'no-leading-slash'
  | 'empty-segment'
  | 'dot-segment'
  | 'dot-dot-segment'
  | 'nul'
  | 'backslash'
  | 'control-character'
  | 'unpaired-surrogate'
  | 'path-too-long'
  | 'segment-too-long'

export class PathError extends Error {
  readonly code = 'ERR_PATH'
  constructor(
    readonly rule: PathRule,
    readonly path: string,
    detail: string,
  ) {
    super(
      `path ${JSON.stringify(path.length > 80 ? `${path.slice(0, 80)}…` : path)} refused (${rule}): ${detail}`,
    )
  }
}

/** What a record key means for the directory extension. */
export type KeyMeaning = { kind: 'path'; path: SharePath } | { kind: 'ignored'; reason: 'no-leading-slash' }

const utf8 = new TextEncoder()
// C0 controls and DEL, and C1 controls: legal on Linux but invisible, terminal-hostile, and
// refused by Windows (C0); no user means them in a file name. NUL and `\` have their own rules.
const CONTROL = /[\u0001-\u001f\u007f-\u009f]/u
// In a `u` regex a paired surrogate is one astral code point, so only a lone one matches \p{Cs}.
const LONE_SURROGATE = /\p{Cs}/u

/**
 * Reads a record key. "Entries in the database without a leading slash should be allowed, but
 * ignored, as they are allowed for extensions or for future features" (directory.md): such keys
 * are not errors, they are `ignored`. Anything else must be a valid `SharePath`.
 */
export function interpretKey(key: string): KeyMeaning {
  if (!key.startsWith('/')) return { kind: 'ignored', reason: 'no-leading-slash' }
  return { kind: 'path', path: parseSharePath(key) }
}

/** Validates a path with a leading slash; throws a `PathError` naming the first rule broken. */
export function parseSharePath(path: unknown): SharePath {
  if (typeof path !== 'string')
    throw new PathError('not-a-string', String(path), `a path is a string, not ${typeof path}`)
  if (!path.startsWith('/')) throw new PathError('no-leading-slash', path, 'a share path starts with "/"')
  // Whole-path checks first, so a 10 MB hostile key is refused before it is split.
  if (path.length > MAX_PATH_BYTES || utf8.encode(path).byteLength > MAX_PATH_BYTES) {
    throw new PathError('path-too-long', path, `longer than ${MAX_PATH_BYTES} UTF-8 bytes`)
  }
  if (path.includes('\0')) throw new PathError('nul', path, 'contains a NUL character')
  if (path.includes('\\')) {
    throw new PathError('backslash', path, 'contains "\\" (a separator on Windows; paths use "/" only)')
  }
  if (CONTROL.test(path)) throw new PathError('control-character', path, 'contains a control character')
  if (LONE_SURROGATE.test(path)) {
    throw new PathError(
      'unpaired-surrogate',
      path,
      'is not well-formed Unicode (a lone surrogate has no UTF-8 form)',
    )
  }
  if (path === '/') return ROOT_PATH
  for (const segment of path.slice(1).split('/')) checkSegment(segment, path)
  return path as SharePath
}

function checkSegment(segment: string, path: string): void {
  if (segment === '') throw new PathError('empty-segment', path, 'has an empty name ("//" or a trailing "/")')
  if (segment === '.') throw new PathError('dot-segment', path, 'has a "." name')
  if (segment === '..') throw new PathError('dot-dot-segment', path, 'has a ".." name')
  if (utf8.encode(segment).byteLength > MAX_SEGMENT_BYTES) {
    throw new PathError('segment-too-long', path, `has a name longer than ${MAX_SEGMENT_BYTES} UTF-8 bytes`)
  }
}

/** The names of a path, root first; `[]` for `/`. */
export function segmentsOf(path: SharePath): string[] {
  return path === ROOT_PATH ? [] : path.slice(1).split('/')
}

/** The last name of a path; `''` for the root. */
export function baseName(path: SharePath): string {
  return path.slice(path.lastIndexOf('/') + 1)
}

/**
 * Splits a name before its last dot: "foo.txt" -> ["foo", ".txt"]. A name with no dot, or whose
 * only dot leads it (".bashrc"), has extension "". Used wherever we derive a name (conflict
 * copies, collision suffixes, archive slots) so the file keeps its type.
 */
export function splitExtension(name: string): [stem: string, extension: string] {
  const dot = name.lastIndexOf('.')
  return dot > 0 ? [name.slice(0, dot), name.slice(dot)] : [name, '']
}

/** The parent directory; the root is its own parent. */
export function parentPath(path: SharePath): SharePath {
  const slash = path.lastIndexOf('/')
  return (slash <= 0 ? '/' : path.slice(0, slash)) as SharePath
}

/** `child` under `dir`; `name` must be a single valid name (checked). */
export function joinPath(dir: SharePath, name: string): SharePath {
  return parseSharePath(dir === ROOT_PATH ? `/${name}` : `${dir}/${name}`)
}

/** Whether `path` is `dir` itself or lies below it. */
export function isWithin(path: SharePath, dir: SharePath): boolean {
  return dir === ROOT_PATH || path === dir || path.startsWith(`${dir}/`)
}
