import { parentPath, baseName, splitExtension, ROOT_PATH, type SharePath } from './share-path'

/**
 * Names on disk for share paths, where the local file system cannot hold a path as it is.
 *
 * directory.md, "Windows Compatibility": characters a system refuses ("'\', '/', ':', '*', '?',
 * '"', '<', '>', '|'") are stored "using URL encoding ... the percent character followed by two hex
 * digits", and "the software should then keep an additional internal attribute that tracks the
 * original file path, and continue to interact with other peers as if that were the file name on
 * disk". Files that differ only in case ("Secret.txt" and "secret.txt") are mapped too: the
 * first one seen keeps its name, a later one gets a deterministic suffix built from its own name.
 *
 * The map is the "internal attribute": peers only ever see share paths; only the file store
 * sees local paths. On a case-sensitive system with no reserved names (Linux) it is the identity
 * and keeps no state.
 */
export interface LocalNameRules {
  /** Percent-encode Windows' reserved characters, device names and trailing dots/spaces. */
  readonly windowsNames: boolean
  /** Names that differ only in case or Unicode normalization are the same file (NTFS, APFS, exFAT). */
  readonly caseInsensitive: boolean
}

export const POSIX_NAMES: LocalNameRules = { windowsNames: false, caseInsensitive: false }

// '\' and '/' cannot occur in a valid share path name (path.ts refuses the first, splits on the second).
const WINDOWS_RESERVED_CHARS = /[:*?"<>|]/gu
// CON, PRN, AUX, NUL, COM1-9, LPT1-9, with or without an extension, are devices on Windows.
const WINDOWS_DEVICE = /^(?:CON|PRN|AUX|NUL|COM[1-9]|LPT[1-9])(?:\..*)?$/iu

function percent(char: string): string {
  return `%${char.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`
}

/** A name Windows can store: reserved characters, device names and trailing dots/spaces encoded. */
export function encodeWindowsName(name: string): string {
  let out = name.replace(WINDOWS_RESERVED_CHARS, percent)
  if (WINDOWS_DEVICE.test(out)) out = percent(out[0] ?? '') + out.slice(1)
  // Windows silently strips a trailing '.' or ' ', which would merge "a." into "a".
  const last = out[out.length - 1]
  if (last === '.' || last === ' ') out = out.slice(0, -1) + percent(last)
  return out
}

/** The key under which two names are the same file on a case-insensitive system. */
function foldName(name: string): string {
  return name.normalize('NFC').toLowerCase()
}

/** 32-bit FNV-1a over UTF-16 code units: a stable, synchronous fingerprint of a name. */
function fnv1a(text: string): string {
  let hash = 0x811c9dc5
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i)
    hash = Math.imul(hash, 0x01000193) >>> 0
  }
  return hash.toString(16).padStart(8, '0')
}

/** "Secret.txt" -> "Secret~1a2b3c4d.txt": the suffix goes before the extension so the type survives. */
function suffixed(localName: string, wireName: string, attempt: number): string {
  const [stem, extension] = splitExtension(localName)
  return `${stem}~${fnv1a(wireName)}${attempt > 0 ? `-${attempt}` : ''}${extension}`
}

/** Local paths are relative to the share root and use `/` like share paths, e.g. `/a%3Ab/c.txt`. */
export type LocalPath = string

export class LocalPathMap {
  private readonly toLocalMap = new Map<SharePath, LocalPath>()
  private readonly toWireMap = new Map<LocalPath, SharePath>()
  private readonly byFold = new Map<string, SharePath>()

  constructor(readonly rules: LocalNameRules = POSIX_NAMES) {}

  private get identity(): boolean {
    return !this.rules.windowsNames && !this.rules.caseInsensitive
  }

  private fold(local: LocalPath): string {
    return this.rules.caseInsensitive ? foldName(local) : local
  }

  /** The local path for a share path, allocating a mapped name the first time if needed. */
  toLocal(path: SharePath): LocalPath {
    if (this.identity || path === ROOT_PATH) return path
    const known = this.toLocalMap.get(path)
    if (known !== undefined) return known
    const parent = this.toLocal(parentPath(path))
    const name = baseName(path)
    const encoded = this.rules.windowsNames ? encodeWindowsName(name) : name
    for (let attempt = -1; ; attempt++) {
      const localName = attempt < 0 ? encoded : suffixed(encoded, name, attempt)
      const local = `${parent === '/' ? '' : parent}/${localName}`
      const holder = this.byFold.get(this.fold(local))
      if (holder === undefined || holder === path) {
        this.remember(path, local)
        return local
      }
    }
  }

  /**
   * The share path for a name found on disk: the original path if the name was mapped, else the
   * name itself under its parent's share path (a file the user created locally). Names that are
   * not valid share paths are the caller's to refuse (`parseSharePath`).
   */
  toWire(local: LocalPath): string {
    if (this.identity || local === '/') return local
    const known = this.toWireMap.get(local)
    if (known !== undefined) return known
    const slash = local.lastIndexOf('/')
    const parent = this.toWire(slash <= 0 ? '/' : local.slice(0, slash))
    return `${parent === '/' ? '' : parent}/${local.slice(slash + 1)}`
  }

  /** Records a pairing found on disk or restored from storage, so the local name stays reserved. */
  remember(path: SharePath, local: LocalPath): void {
    if (this.identity) return
    this.toLocalMap.set(path, local)
    this.toWireMap.set(local, path)
    this.byFold.set(this.fold(local), path)
  }

  /** Frees a path's local name once the file is gone. */
  forget(path: SharePath): void {
    const local = this.toLocalMap.get(path)
    if (local === undefined) return
    this.toLocalMap.delete(path)
    this.toWireMap.delete(local)
    this.byFold.delete(this.fold(local))
  }

  /** Every mapping that differs from the identity, for the engine to persist. */
  *mapped(): IterableIterator<[SharePath, LocalPath]> {
    for (const [path, local] of this.toLocalMap) if (path !== local) yield [path, local]
  }
}
