/**
 * Daemons for the whole-system tests, driven only through the CLI (`node bin/clearskies.js …`)
 * as a person would: each with its own state folder, synced folder and port on 127.0.0.1, and
 * `--no-lan` unless the test runs it inside its own network namespace.
 */
import { spawn } from 'node:child_process'
import { mkdir } from 'node:fs/promises'
import { connect } from 'node:net'
import { join } from 'node:path'
import { expect } from 'vitest'
import { runCli, type CliResult } from '../cli/run-cli'
import { makeTempDir, removeTemp } from '../engine/peers'

export { eventually, exists, treeOf } from '../engine/peers'

export interface TestDaemon {
  readonly name: string
  readonly root: string
  readonly state: string
  readonly folder: string
  /** `tcp:127.0.0.1:PORT`, where peers reach it. */
  address: string
  pid: number
  /** Runs `clearskies ARGS --state <its state>`. */
  cli(...args: string[]): Promise<CliResult>
  /** Runs a CLI command that must succeed; returns its parsed --json output. */
  json(...args: string[]): Promise<Record<string, unknown>>
  start(...flags: string[]): Promise<void>
  stop(): Promise<void>
  /** SIGKILL: no chance to write anything more. */
  kill(): void
}

const started: TestDaemon[] = []

/**
 * A daemon started (detached) with `flags`; `wrap` runs its `start` under another command, such as
 * nsenter into the test's network namespace: the daemon then lives there, while the CLI still
 * reaches it through its control socket, a path in the file system.
 */
export async function makeDaemon(
  name: string,
  flags: readonly string[] = ['--listen', '127.0.0.1:0', '--no-lan'],
  wrap: readonly string[] = [],
): Promise<TestDaemon> {
  const root = await makeTempDir(`daemon-${name}`)
  const state = join(root, 'state')
  const folder = join(root, name)
  await mkdir(folder)
  const daemon: TestDaemon = {
    name,
    root,
    state,
    folder,
    address: '',
    pid: 0,
    cli: (...args) => runCli([...args, '--state', state]),
    async json(...args) {
      const result = await daemon.cli(...args, '--json')
      expect(result.stderr, `clearskies ${args.join(' ')}`).toBe('')
      expect(result.code).toBe(0)
      return JSON.parse(result.stdout) as Record<string, unknown>
    },
    async start(...extra) {
      // A restart keeps the port it had, as a daemon with a fixed port would.
      const listen = daemon.address === '' ? [] : ['--listen', daemon.address.replace(/^tcp:/, '')]
      const result = await runCli(
        ['start', ...flags, ...listen, ...extra, '--state', state, '--json'],
        '',
        wrap,
      )
      expect(result.stderr, 'clearskies start').toBe('')
      const status = JSON.parse(result.stdout) as Record<string, unknown>
      daemon.address = String(status.listen)
      daemon.pid = Number(status.pid)
    },
    async stop() {
      await daemon.cli('stop')
    },
    kill() {
      process.kill(daemon.pid, 'SIGKILL')
    },
  }
  started.push(daemon)
  await daemon.start()
  return daemon
}

/** Stops every daemon this file started and removes their folders (afterEach/afterAll). */
export async function stopAll(): Promise<void> {
  for (const daemon of started.splice(0)) {
    // Through its socket only: a pid seen earlier may belong to another process by now.
    await daemon.stop()
    await removeTemp(daemon.root)
  }
}

/** `share PATH` on `owner`: the access code. */
export async function share(owner: TestDaemon, ...flags: string[]): Promise<string> {
  const answer = await owner.json('share', owner.folder, ...flags)
  return String(answer.access_code)
}

/** The signaling server's TCP tracker on 127.0.0.1, on a port it picks. */
export async function startTracker(): Promise<{ address: string; close(): void }> {
  const child = spawn(
    process.execPath,
    ['bin/clearskies.js', 'signaling', '--host', '127.0.0.1', '--port', '0', '--tcp-port', '0'],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  )
  const port = await new Promise<number>((resolve, reject) => {
    let out = ''
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      out += d
      const line = out.split('\n').find((l) => l.includes('"listening"'))
      if (line) resolve((JSON.parse(line) as { tcp: number }).tcp)
    })
    child.once('exit', (code) => reject(new Error(`the tracker exited with ${code}: ${out}`)))
  })
  return { address: `127.0.0.1:${port}`, close: () => child.kill('SIGTERM') }
}

/** Sends `lines` at once and collects `count` answer lines (the handshake first). */
export function converse(path: string, lines: readonly string[], count: number): Promise<unknown[]> {
  return new Promise((resolve, reject) => {
    const socket = connect({ path })
    let buffer = ''
    socket.setEncoding('utf8')
    socket.on('data', (d: string) => {
      buffer += d
      const complete = buffer.split('\n').slice(0, -1)
      if (complete.length >= count) {
        socket.end()
        resolve(complete.slice(0, count).map((l) => JSON.parse(l) as unknown))
      }
    })
    socket.on('error', reject)
    socket.write(lines.map((l) => `${l}\n`).join(''))
  })
}
