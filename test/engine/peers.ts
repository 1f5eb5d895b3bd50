/**
 * Test peers: a real engine each, with its own SQLite state folder and synced folder in a temp
 * directory, listening on real TCP on 127.0.0.1, connecting with real TLS-SRP.
 */
import { createHash } from 'node:crypto'
import { mkdir, mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, relative } from 'node:path'
import { Engine } from '../../src/engine/engine'
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

export async function startPeer(name: string, base?: string): Promise<TestPeer> {
  const root = base ?? (await makeTempDir(name))
  const folder = join(root, 'files')
  const stateDir = join(root, 'state')
  await mkdir(folder, { recursive: true })
  const logs: string[] = []
  let platform = nodeEnginePlatform({ stateDir })
  let engine = await Engine.open(platform, { name, log: (m) => logs.push(m) })
  let listener: TcpListener | undefined
  const listen = async (port: number) => {
    listener = await listenTcp('127.0.0.1', port, (stream) => void peer.engine.accept(stream, 'tcp:127.0.0.1'))
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
      platform = nodeEnginePlatform({ stateDir })
      engine = await Engine.open(platform, { name, log: (m) => logs.push(m) })
      peer.engine = engine
      await listen(port)
    },
  }
  return peer
}

/** Every file under `folder` (our temporary and archive files excluded) with its SHA-256; folders too. */
export async function treeOf(folder: string): Promise<Map<string, string>> {
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
        tree.set(rel, createHash('sha256').update(await readFile(path)).digest('hex'))
      }
    }
  }
  await walk(folder)
  return tree
}

/** Polls until `check` passes or the time is up; the last failure is thrown. */
export async function eventually(check: () => Promise<void> | void, timeoutMs = 20_000, everyMs = 100): Promise<void> {
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
