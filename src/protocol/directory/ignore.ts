import { isWithin, ROOT_PATH, segmentsOf, type SharePath } from './share-path'

/**
 * What is synced here: directory.md's "Ignoring Files" ("ignore files with certain extensions or
 * that match a pattern. These files won't be sent to peers"), "Subtree Copy" ("only sync a single
 * subdirectory. This does not require peer cooperation or knowledge") and "Partial Copy" ("not
 * sync some folders or files from the peer").
 *
 * Patterns are a subset of gitignore, matched against the path as the user sees it in the local
 * folder (below the subtree, if any):
 *   `*.tmp`        no slash: a name at any depth; `*` and `?` never cross a `/`
 *   `build/`       trailing slash: directories only (and so everything below them)
 *   `/root-only`   leading slash, or a slash inside: anchored at the folder's root
 *   `a/**` `**\/b`  `**` spans any number of names
 *   `# comment`, blank lines: skipped
 * Negation (`!`) and character classes are not supported; such a line is taken literally.
 * A pattern that matches a directory excludes everything below it, as in git.
 */

/** Temporary files of a transfer in progress (file-store.ts names them). Never synced, by anyone. */
export const TEMP_SUFFIX = '.!clearsky'
/** Where replaced and deleted files are archived (directory.md, "Archival"); never synced. */
export const ARCHIVE_DIR = '.clearskies-archive'

interface Rule {
  readonly regex: RegExp
  readonly directoryOnly: boolean
}

function globToRegex(glob: string): RegExp {
  let out = ''
  for (let i = 0; i < glob.length; i++) {
    const char = glob[i] ?? ''
    if (glob.startsWith('**/', i)) {
      out += '(?:.*/)?'
      i += 2
    } else if (glob.startsWith('**', i)) {
      out += '.*'
      i += 1
    } else if (char === '*') out += '[^/]*'
    else if (char === '?') out += '[^/]'
    else out += char.replace(/[.+^${}()|[\]\\]/gu, '\\$&')
  }
  return new RegExp(out, 'u')
}

function compileRule(line: string): Rule | undefined {
  let pattern = line.trim()
  if (pattern === '' || pattern.startsWith('#')) return undefined
  const directoryOnly = pattern.endsWith('/')
  if (directoryOnly) pattern = pattern.slice(0, -1)
  const anchored = pattern.includes('/')
  if (pattern.startsWith('/')) pattern = pattern.slice(1)
  const body = globToRegex(pattern).source
  return { regex: new RegExp(anchored ? `^/${body}$` : `^(?:.*/)?${body}$`, 'u'), directoryOnly }
}

export class IgnoreRules {
  private readonly rules: readonly Rule[]

  constructor(readonly patterns: readonly string[] = []) {
    this.rules = patterns.flatMap((line) => compileRule(line) ?? [])
  }

  /** Parses an ignore file's text: one pattern a line. */
  static parse(text: string): IgnoreRules {
    return new IgnoreRules(text.split(/\r?\n/u))
  }

  /** Whether `path` (a local path, `/`-rooted) or one of its parent directories matches a pattern. */
  ignores(path: string, isDirectory: boolean): boolean {
    if (this.rules.length === 0) return false
    let prefix = ''
    const names = path.split('/').filter(Boolean) // the root itself is never ignored
    return names.some((name, i) => {
      prefix += `/${name}`
      const directory = i < names.length - 1 || isDirectory
      return this.rules.some((rule) => (directory || !rule.directoryOnly) && rule.regex.test(prefix))
    })
  }
}

/** Whether a name is one of ours that no peer may ever see or write. */
export function isAlwaysIgnored(path: SharePath): boolean {
  const names = segmentsOf(path)
  return names[0] === ARCHIVE_DIR || names.some((name) => name.endsWith(TEMP_SUFFIX))
}

export interface SelectionOptions {
  /** Subtree copy: only this directory of the share is synced, and it is the local folder's root. */
  readonly subtree?: SharePath
  readonly ignore?: IgnoreRules
  /** Partial copy: share paths (files or whole folders) the user chose not to sync here. */
  readonly excluded?: readonly SharePath[]
}

/** Says whether a share path is synced on this peer, and where it lives in the local folder. */
export class Selection {
  readonly subtree: SharePath
  private readonly ignore: IgnoreRules
  private readonly excluded: readonly SharePath[]

  constructor(options: SelectionOptions = {}) {
    this.subtree = options.subtree ?? ROOT_PATH
    this.ignore = options.ignore ?? new IgnoreRules()
    this.excluded = options.excluded ?? []
  }

  /** The path in the local folder, or undefined when the path is outside the subtree. */
  toLocal(path: SharePath): SharePath | undefined {
    if (!isWithin(path, this.subtree)) return undefined
    if (this.subtree === ROOT_PATH) return path
    return (path.slice(this.subtree.length) || ROOT_PATH) as SharePath
  }

  /** The share path of a path in the local folder. */
  toShare(local: SharePath): SharePath {
    if (this.subtree === ROOT_PATH) return local
    return (local === ROOT_PATH ? this.subtree : `${this.subtree}${local}`) as SharePath
  }

  includes(path: SharePath, isDirectory: boolean): boolean {
    const local = this.toLocal(path)
    if (local === undefined || isAlwaysIgnored(local)) return false
    if (this.excluded.some((dir) => isWithin(path, dir))) return false
    return !this.ignore.ignores(local, isDirectory)
  }
}
