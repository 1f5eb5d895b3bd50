/**
 * The flat file list the engine gives, arranged as a tree for display, with each file's state and
 * each folder's totals. Pure, so the tree element stays a view.
 */
/** What the tree needs of a listed file (EngineHost's FileView has it; declared here so Node tests can import this module). */
export interface TreeFile {
  readonly path: string
  readonly kind: 'file' | 'directory'
  readonly size: number
  readonly present: boolean
  readonly conflict: boolean
  readonly received?: number
}

/** `skipped`: left out of this device by selective sync. */
export type FileState = 'synced' | 'downloading' | 'waiting' | 'paused' | 'conflict' | 'skipped'

export interface TreeNode {
  readonly name: string
  /** The share path; folders end without `/` (as the engine names them). */
  readonly path: string
  readonly kind: 'file' | 'directory'
  readonly size: number
  readonly state: FileState
  /** For a file arriving now: the bytes in so far. */
  readonly received?: number
  readonly children: TreeNode[]
  /** Files under a folder not yet on this device. */
  readonly waiting: number
}

export function buildTree(
  files: readonly TreeFile[],
  paused: boolean,
  excluded: readonly string[] = [],
): TreeNode[] {
  const root: TreeNode[] = []
  const folders = new Map<string, TreeNode>()
  const folderOf = (path: string): TreeNode[] => {
    if (path === '') return root
    const existing = folders.get(path)
    if (existing) return existing.children
    const node: TreeNode = {
      name: path.slice(path.lastIndexOf('/') + 1),
      path,
      kind: 'directory',
      size: 0,
      state: 'synced',
      children: [],
      waiting: 0,
    }
    folders.set(path, node)
    folderOf(path.slice(0, path.lastIndexOf('/'))).push(node)
    return node.children
  }
  for (const f of files) {
    const path = f.path.replace(/\/$/, '')
    if (f.kind === 'directory') {
      folderOf(path)
      continue
    }
    const skipped = !f.present && excluded.some((e) => isWithin(path, e))
    const state = fileState(f, paused, skipped)
    folderOf(path.slice(0, path.lastIndexOf('/'))).push({
      name: path.slice(path.lastIndexOf('/') + 1),
      path,
      kind: 'file',
      size: f.size,
      state,
      ...(state === 'downloading' ? { received: f.received } : {}),
      children: [],
      waiting: 0,
    })
  }
  return sortAndTotal(root)
}

function fileState(f: TreeFile, paused: boolean, skipped: boolean): FileState {
  if (f.conflict) return 'conflict'
  if (f.present) return 'synced'
  if (skipped) return 'skipped'
  if (paused) return 'paused'
  return f.received === undefined ? 'waiting' : 'downloading'
}

/** Files not on this device yet that should come (counted into their folders). */
const COMING: ReadonlySet<FileState> = new Set(['waiting', 'paused', 'downloading'])

/** Folders first, then by name; each folder gets its size and its count of files still to come. */
function sortAndTotal(nodes: TreeNode[]): TreeNode[] {
  return nodes
    .map((n) => {
      if (n.kind === 'file') return n
      const children = sortAndTotal(n.children)
      return {
        ...n,
        children,
        size: children.reduce((s, c) => s + c.size, 0),
        waiting: children.reduce(
          (s, c) => s + (c.kind === 'file' ? (COMING.has(c.state) ? 1 : 0) : c.waiting),
          0,
        ),
      }
    })
    .sort((a, b) => (a.kind === b.kind ? a.name.localeCompare(b.name) : a.kind === 'directory' ? -1 : 1))
}

/** Whether `path` is `dir` or lies under it. */
export function isWithin(path: string, dir: string): boolean {
  return path === dir || path.startsWith(`${dir}/`)
}

/** Every file path under a node (the node itself, for a file). */
export function filesUnder(node: TreeNode): string[] {
  return node.kind === 'file' ? [node.path] : node.children.flatMap(filesUnder)
}

/**
 * The shortest list of paths that leaves out exactly the `skipped` files: a folder whose files are
 * all skipped is named once (so files added to it later stay out too), otherwise its files one by one.
 */
export function excludedPaths(nodes: readonly TreeNode[], skipped: ReadonlySet<string>): string[] {
  return nodes.flatMap((node) => {
    if (node.kind === 'file') return skipped.has(node.path) ? [node.path] : []
    const files = filesUnder(node)
    if (files.length > 0 && files.every((f) => skipped.has(f))) return [node.path]
    return excludedPaths(node.children, skipped)
  })
}
