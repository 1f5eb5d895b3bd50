/**
 * Test peers: a real engine each, with its own SQLite state folder and synced folder in a temp
 * directory, listening on real TCP on 127.0.0.1, connecting with real TLS-SRP.
 */
import { createHash } from 'node:crypto'
import { createReadStream, createWriteStream } from 'node:fs'
import { mkdir, mkdtemp, readdir, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, relative } from 'node:path'
import { Engine, type EngineOptions } from '../../src/engine/engine'
import type { LiveShare } from '../../src/engine/live-share'
import { nodeEnginePlatform } from '../../src/platform/node/engine-platform'
import { listenTcp, type TcpListener } from '../../src/platform/node/tcp-stream'

export interface TestPeer {
  readonly name: string
  engine: Engine
  readonly folder: string
  readonly stateDir: string
  readonly address: string
  readonly logs: string[]
  /** Stops the engine and its listener (the state and folder stay, for a restart). */
  stop(): Promise<void>
  restart(): Promise<void>
}

export async function makeTempDir(prefix: string): Promise<string> {
  return mkdtemp(join(tmpdir(), `cs-${prefix}-`))
}

export interface PeerOptions extends EngineOptions {
  /** Offer the gzip extension (default: yes, as the Node platform does). */
  readonly gzip?: boolean
}

export async function startPeer(name: string, base?: string, options: PeerOptions = {}): Promise<TestPeer> {
  const root = base ?? (await makeTempDir(name))
  const folder = join(root, 'files')
  const stateDir = join(root, 'state')
  await mkdir(folder, { recursive: true })
  const logs: string[] = []
  const makePlatform = () => {
    const node = nodeEnginePlatform({ stateDir })
    return options.gzip === false ? { ...node, zlib: undefined } : node
  }
  let platform = makePlatform()
  let engine = await Engine.open(platform, { ...options, name, log: (m) => logs.push(m) })
  let listener: TcpListener | undefined
  const listen = async (port: number) => {
    listener = await listenTcp(
      '127.0.0.1',
      port,
      (stream) => void peer.engine.accept(stream, 'tcp:127.0.0.1'),
    )
    return listener.port
  }
  const port = await listen(0)
  const peer: TestPeer = {
    name,
    engine,
    folder,
    stateDir,
    address: `tcp:127.0.0.1:${port}`,
    logs,
    async stop() {
      await listener?.close()
      await engine.close()
      platform.close()
    },
    async restart() {
      platform = makePlatform()
      engine = await Engine.open(platform, { ...options, name, log: (m) => logs.push(m) })
      peer.engine = engine
      await listen(port)
    },
  }
  return peer
}

/**
 * Every file under `folder` (our temporary and archive files excluded) with its SHA-256 (or only
 * its size, a cheaper first look); folders too.
 */
export async function treeOf(folder: string, hash = true): Promise<Map<string, string>> {
  const tree = new Map<string, string>()
  async function walk(dir: string): Promise<void> {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      if (entry.name.endsWith('.!clearsky') || entry.name === '.clearskies-archive') continue
      const path = join(dir, entry.name)
      const rel = relative(folder, path)
      if (entry.isDirectory()) {
        tree.set(`${rel}/`, 'dir')
        await walk(path)
      } else {
        tree.set(rel, hash ? await fileHash(path) : String((await stat(path)).size))
      }
    }
  }
  await walk(folder)
  return tree
}

/** SHA-256 of a file, streamed: a 200 MB file is never held in memory. */
export async function fileHash(path: string): Promise<string> {
  const hash = createHash('sha256')
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer)
  return hash.digest('hex')
}

/**
 * Writes `bytes` of seeded pseudo-random data, streamed in 1 MiB pieces (incompressible, so a
 * transfer cannot shrink it, and different per seed).
 */
export async function writeRandomFile(path: string, bytes: number, seed = 1): Promise<void> {
  const out = createWriteStream(path)
  const piece = Buffer.alloc(1024 * 1024)
  let state = seed >>> 0 || 1
  for (let written = 0; written < bytes; written += piece.length) {
    for (let i = 0; i < piece.length; i += 4) {
      state ^= state << 13
      state ^= state >>> 17
      state ^= state << 5
      piece.writeUInt32LE(state >>> 0, i)
    }
    const part = piece.subarray(0, Math.min(piece.length, bytes - written))
    if (!out.write(part)) await new Promise<void>((r) => out.once('drain', () => r()))
  }
  await new Promise<void>((resolve, reject) =>
    out.end((err?: Error | null) => (err ? reject(err) : resolve())),
  )
}

/** `a` shares its folder (scanned) and `b` joins with a fresh code of `level`, dialling `a`. */
export async function shareAndJoin(
  a: TestPeer,
  b: TestPeer,
  level: 'read_write' | 'read_only' = 'read_write',
): Promise<LiveShare> {
  const share =
    a.engine.shareList.find((s) => s.stored.location === a.folder) ?? (await a.engine.createShare(a.folder))
  await share.scan()
  const { code } = await a.engine.createAccessCode(a.folder, level)
  await b.engine.addShare(code, b.folder, [a.address])
  await eventually(() => {
    if (!b.engine.shareList.some((s) => s.stored.location === b.folder))
      throw new Error(`${b.name} has not joined yet`)
  })
  return share
}

/** Scans the peer's share now. */
export function scan(peer: TestPeer): Promise<void> {
  return peer.engine.share(peer.folder).scan()
}

/** Waits until every peer's tree equals the first's. */
export async function converge(peers: readonly TestPeer[], timeoutMs = 30_000): Promise<Map<string, string>> {
  let tree = new Map<string, string>()
  const compare = async (hash: boolean): Promise<void> => {
    tree = await treeOf(peers[0]!.folder, hash)
    for (const other of peers.slice(1)) {
      const theirs = await treeOf(other.folder, hash)
      if (!sameTree(tree, theirs))
        throw new Error(
          `${other.name} differs from ${peers[0]!.name}: ${diffTrees(tree, theirs).slice(0, 5).join(', ')}`,
        )
    }
  }
  // Sizes first (cheap while files are still arriving), then the hashes.
  await eventually(
    async () => {
      await compare(false)
      await compare(true)
    },
    timeoutMs,
    250,
  )
  return tree
}

function sameTree(a: Map<string, string>, b: Map<string, string>): boolean {
  return a.size === b.size && [...a].every(([k, v]) => b.get(k) === v)
}

function diffTrees(a: Map<string, string>, b: Map<string, string>): string[] {
  const keys = new Set([...a.keys(), ...b.keys()])
  return [...keys]
    .filter((k) => a.get(k) !== b.get(k))
    .map((k) => `${k}: ${a.get(k)?.slice(0, 8) ?? '-'} vs ${b.get(k)?.slice(0, 8) ?? '-'}`)
}

/** Polls until `check` passes or the time is up; the last failure is thrown. */
export async function eventually(
  check: () => Promise<void> | void,
  timeoutMs = 20_000,
  everyMs = 100,
): Promise<void> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    try {
      await check()
      return
    } catch (err) {
      if (Date.now() > deadline) throw err
      await new Promise((r) => setTimeout(r, everyMs))
    }
  }
}

export async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  )
}

export async function removeTemp(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true })
}

/** Stops each peer and removes its temporary folder (what every test file does when it is done). */
export async function stopAndRemove(peers: readonly TestPeer[]): Promise<void> {
  for (const p of peers) {
    await p.stop()
    await removeTemp(join(p.folder, '..'))
  }
}
