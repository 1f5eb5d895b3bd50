/**
 * One peer of bench/sync, in its own process so its memory is its own: a real engine with SQLite
 * and node:fs state, listening on loopback TCP. The parent drives it over IPC:
 *   { cmd: 'serve', folder, state }            create a share of `folder`, scan it, make a code
 *   { cmd: 'join', folder, state, code, address, files }  join, wait until `files` entries are in
 *   { cmd: 'stop' }                            close, report peak RSS, exit
 */
import { Engine } from '../../src/engine/engine'
import { nodeEnginePlatform } from '../../src/platform/node/engine-platform'
import { listenTcp, type TcpListener } from '../../src/platform/node/tcp-stream'

/** How a peer runs: fsync each file (the engine's default), offer gzip (the Node platform's default). */
export interface Setup {
  readonly durable: boolean
  readonly gzip: boolean
}

export type PeerCommand =
  | ({ readonly cmd: 'serve'; readonly folder: string; readonly state: string } & Setup)
  | ({
      readonly cmd: 'join'
      readonly folder: string
      readonly state: string
      readonly code: string
      readonly address: string
      readonly files: number
    } & Setup)
  | { readonly cmd: 'stop' }

export type PeerReply =
  | {
      readonly kind: 'serving'
      readonly code: string
      readonly address: string
      readonly files: number
      readonly scanMs: number
    }
  | { readonly kind: 'joined'; readonly ms: number; readonly bytes: number }
  | { readonly kind: 'stopped'; readonly maxRssMb: number; readonly cpuMs: number; readonly systemMs: number }
  | { readonly kind: 'failed'; readonly error: string }

const POLL_MS = 20
/** BENCH_TRACE=N: the joiner's progress every N ms (1 or any other value: 250). */
const TRACE_MS = Number(process.env.BENCH_TRACE) > 1 ? Number(process.env.BENCH_TRACE) : 250
const JOIN_TIMEOUT_MS = 600_000

let engine: Engine | undefined
let listener: TcpListener | undefined
let close: () => void = () => undefined
/** CPU time (µs) when this peer's part of the sync began: the sharer's scan and each start-up are left out. */
let cpuAtSync = { user: 0, system: 0 }

function reply(message: PeerReply): void {
  process.send?.(message)
}

async function open(state: string, setup: Setup): Promise<Engine> {
  const node = nodeEnginePlatform({ stateDir: state, durable: setup.durable })
  // Without zlib the peer does not offer the gzip extension: to see what it costs.
  const platform = setup.gzip ? node : { ...node, zlib: undefined }
  close = () => platform.close()
  engine = await Engine.open(platform, {
    name: 'bench',
    log: (m) => (/failed|refused|warn/.test(m) ? console.error(`[peer] ${m}`) : undefined),
  })
  return engine
}

async function handle(command: PeerCommand): Promise<void> {
  switch (command.cmd) {
    case 'serve': {
      const e = await open(command.state, command)
      listener = await listenTcp('127.0.0.1', 0, (stream) => void e.accept(stream, 'tcp:127.0.0.1'))
      const started = performance.now()
      const share = await e.createShare(command.folder)
      await share.scan()
      const scanMs = performance.now() - started
      const { code } = await e.createAccessCode(command.folder, 'read_write')
      cpuAtSync = process.cpuUsage()
      reply({
        kind: 'serving',
        code,
        address: `tcp:127.0.0.1:${listener.port}`,
        files: share.status().progress.files,
        scanMs,
      })
      return
    }
    case 'join': {
      const e = await open(command.state, command)
      cpuAtSync = process.cpuUsage()
      const started = performance.now()
      await e.addShare(command.code, command.folder, [command.address])
      for (;;) {
        const share = e.shareList[0]
        const progress = share?.status().progress
        if (progress && progress.files >= command.files && progress.filesRemaining === 0) {
          reply({ kind: 'joined', ms: performance.now() - started, bytes: progress.bytesReceived })
          return
        }
        if (
          process.env.BENCH_TRACE &&
          Math.floor((performance.now() - started) / TRACE_MS) !==
            Math.floor((performance.now() - started - POLL_MS) / TRACE_MS)
        ) {
          console.error(`[joiner] ${(performance.now() - started).toFixed(0)} ms ${JSON.stringify(progress)}`)
        }
        if (performance.now() - started > JOIN_TIMEOUT_MS)
          throw new Error(`not synced after ${JOIN_TIMEOUT_MS} ms: ${JSON.stringify(progress)}`)
        await new Promise((r) => setTimeout(r, POLL_MS))
      }
    }
    case 'stop': {
      await listener?.close()
      await engine?.close()
      close()
      // resourceUsage().maxRSS is in KiB: the peak of this process over its whole life. CPU time
      // (user + system, every thread of the process) moves less with the shared machine's load
      // than wall time does; it is counted from the start of the sync, as Syncthing's is.
      const cpu = process.cpuUsage(cpuAtSync)
      reply({
        kind: 'stopped',
        maxRssMb: process.resourceUsage().maxRSS / 1024,
        cpuMs: (cpu.user + cpu.system) / 1000,
        systemMs: cpu.system / 1000,
      })
      setTimeout(() => process.exit(0), 50)
      return
    }
  }
}

process.on('message', (command: PeerCommand) => {
  handle(command).catch((err: unknown) =>
    reply({ kind: 'failed', error: (err as Error).stack ?? String(err) }),
  )
})
