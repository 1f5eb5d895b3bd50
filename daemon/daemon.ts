/**
 * The daemon: one Engine on the Node platform (SQLite, node:fs), reachable over TCP, finding peers
 * through the tracker, LAN broadcast and manual addresses, watching its shares' folders, and driven
 * through the control socket `<state>/control` (control.md). Everything durable is in the state
 * folder, written by SQLite in WAL mode, so a kill -9 at any moment loses nothing.
 *
 * Settings: a command-line flag wins for this run; otherwise the stored config (`config set`);
 * otherwise the defaults below.
 */
import { mkdir, realpath, stat } from 'node:fs/promises'
import { networkInterfaces } from 'node:os'
import { isAbsolute, relative, resolve } from 'node:path'
import { ConfigStore, type PeerConfig } from '../src/engine/control-config'
import { createControlHandler, restorePause, type ControlHost } from '../src/engine/control'
import { Engine, SOFTWARE } from '../src/engine/engine'
import { watchShares } from '../src/engine/share-watchers'
import { nodeEnginePlatform } from '../src/platform/node/engine-platform'
import { listenTcp } from '../src/platform/node/tcp-stream'
import { watchFolder } from '../src/platform/node/watch'
import { listenUnix } from '../src/platform/node/unix-socket'
import { serveControl } from '../src/protocol/control/session'
import { AttemptLimiter } from '../src/protocol/tls'
import { PeerDialer } from './dialer'
import { makeFolder, NOTHING_MADE, type UnmakeFolder } from './folders'
import { startLanDiscovery, type LanDiscovery } from './lan'
import { openLog, type DaemonLogger } from './log'
import { controlSocketPath, logPath } from './paths'
import { lockStateFolder, StateInUseError } from './state-lock'
import { connectTracker, type TrackerConnection } from './tracker'

/** A fixed default, so peers that know this machine know where to knock. */
export const DEFAULT_PORT = 49211
/** How long the answer to `stop` has to reach the client before the socket closes. */
const STOP_GRACE_MS = 100

export const DEFAULT_CONFIG: PeerConfig = {
  upload_limit: 0,
  download_limit: 0,
  tracker: '',
  lan: true,
  listen: `0.0.0.0:${DEFAULT_PORT}`,
  name: '',
}

export interface DaemonOptions {
  readonly stateDir: string
  /** Overrides for this run (command-line flags). */
  readonly overrides: Partial<Pick<PeerConfig, 'listen' | 'tracker' | 'lan' | 'name'>>
  /** Also write the log to stderr (started in the foreground). */
  readonly echoLog: boolean
}

export interface Daemon {
  readonly port: number
  /**
   * Settles once the daemon has shut down (by `stop`, a control `stop` or a signal); rejects with
   * the first failure to close, once everything else is closed.
   */
  readonly stopped: Promise<void>
  stop(reason: string): Promise<void>
}

export class DaemonError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message)
  }
}

export function splitHostPort(value: string): { host: string; port: number } {
  const match = /^(?:\[([^\]]+)\]|([^:]+)):(\d+)$/.exec(value)
  if (!match) throw new DaemonError('EINVAL', `"${value}" is not HOST:PORT`)
  return { host: match[1] ?? match[2] ?? '', port: Number(match[3]) }
}

const tcpAddress = (host: string, port: number): string =>
  `tcp:${host.includes(':') ? `[${host}]` : host}:${port}`

/** Where peers can reach a listener on `host`: that host, or for a wildcard every outside address. */
function reachableAt(host: string, port: number, seenAs?: string): string[] {
  if (host !== '0.0.0.0' && host !== '::') return [tcpAddress(host, port)]
  const hosts = new Set<string>()
  if (seenAs) hosts.add(seenAs.replace(/^\[|\]$/g, ''))
  for (const list of Object.values(networkInterfaces()))
    for (const a of list ?? []) if (!a.internal && a.family === 'IPv4') hosts.add(a.address)
  return [...hosts].map((h) => tcpAddress(h, port))
}

/** Whether `a` is `b` or a folder inside it. */
const within = (a: string, b: string): boolean => {
  const r = relative(b, a)
  return r === '' || (!r.startsWith('..') && !isAbsolute(r))
}

/**
 * A share holding the state folder would sync the daemon's own databases and log, and rescan
 * forever as each scan writes them; one inside it would mix shared files with the daemon's.
 */
function checkOutsideState(location: string, stateDirs: readonly string[]): void {
  for (const state of stateDirs) {
    if (within(state, location) || within(location, state))
      throw new DaemonError(
        'EINVAL',
        `${location} ${within(location, state) ? 'is inside' : 'holds'} the daemon's state folder ${state}: share a folder outside it`,
      )
  }
}

async function checkLocation(
  stateDir: string,
  location: string,
  purpose: 'create' | 'join',
): Promise<UnmakeFolder> {
  if (!isAbsolute(location)) throw new DaemonError('EINVAL', `${location} is not an absolute path`)
  // Shares are keyed by their path as given: /a/f/ or /a/./f would be a second share of /a/f.
  if (resolve(location) !== location)
    throw new DaemonError('EINVAL', `write the path ${location} as ${resolve(location)}`)
  const stateDirs = [stateDir, await realpath(stateDir)]
  checkOutsideState(location, stateDirs)
  const unmake = purpose === 'join' ? await makeFolder(location) : NOTHING_MADE
  try {
    const info = await stat(location).catch(() => undefined)
    if (!info?.isDirectory()) throw new DaemonError('ENOENT', `${location} is not a folder`)
    checkOutsideState(await realpath(location), stateDirs) // through symbolic links too
  } catch (err) {
    await unmake()
    throw err
  }
  return unmake
}

export async function startDaemon(options: DaemonOptions): Promise<Daemon> {
  const { stateDir } = options
  await mkdir(stateDir, { recursive: true, mode: 0o700 })
  // Before anything else in the folder is opened: of two daemons started together, the second
  // stops here, having touched neither the databases nor the control socket. Under the lock,
  // listenUnix may remove a socket file that does not answer: it can only be a dead daemon's.
  const lock = await lockStateFolder(stateDir).catch((err: unknown) => {
    throw err instanceof StateInUseError ? new DaemonError(err.code, err.message) : err
  })
  const socketPath = controlSocketPath(stateDir)
  const logger = openLog(logPath(stateDir), options.echoLog)
  const log = logger.for('daemon')
  // What is open, closed in reverse order at shutdown, or at once if starting fails half-way; the
  // lock last, once the control socket (and its file) is gone.
  const closers: Array<() => unknown> = [() => logger.close()]
  // Every closer runs whatever the ones before it did: an engine that fails to close must not keep
  // the log unflushed or the folder locked. The first failure is passed on once all have run.
  const closeAll = async (): Promise<void> => {
    let failure: { readonly err: unknown } | undefined
    for (const close of closers.splice(0).reverse()) {
      try {
        await close()
      } catch (err) {
        failure ??= { err }
      }
    }
    lock.release()
    if (failure) throw failure.err
  }
  try {
    return await run(options, socketPath, logger, closers, closeAll)
  } catch (err) {
    log(`cannot start: ${err instanceof Error ? err.message : String(err)}`)
    await closeAll()
    throw err
  }
}

async function run(
  options: DaemonOptions,
  socketPath: string,
  logger: DaemonLogger,
  closers: Array<() => unknown>,
  closeAll: () => Promise<void>,
): Promise<Daemon> {
  const { stateDir } = options
  const log = logger.for('daemon')
  const platform = nodeEnginePlatform({ stateDir })
  closers.push(() => platform.close())
  const configStore = new ConfigStore(platform.kv, DEFAULT_CONFIG)
  const config: PeerConfig = { ...(await configStore.read()), ...options.overrides }
  const listen = splitHostPort(config.listen)
  const trackerTarget = config.tracker === '' ? undefined : splitHostPort(config.tracker)
  const engine = await Engine.open(platform, {
    ...(config.name ? { name: config.name } : {}),
    log: logger.for('engine'),
    // Failed SRP attempts are limited per source host and per username (issue 5).
    // Per source strictly; per username loosely, since a key ID is public (docs/protocol-notes/tls.md).
    rateLimiter: new AttemptLimiter({ maxFailuresPerUsername: 100 }),
    uploadLimit: config.upload_limit,
    downloadLimit: config.download_limit,
  })
  closers.push(() => engine.close())
  await restorePause(engine, platform.kv)
  // Dial the addresses every share already knows now, not at the engine's first retry 30 s on.
  if (!engine.isPaused) engine.resume()

  const listener = await listenTcp(
    listen.host,
    listen.port,
    (stream) => void engine.accept(stream, stream.remoteAddress),
  ).catch((err: unknown) => {
    throw new DaemonError(
      'EADDRINUSE',
      `cannot listen on ${config.listen}: ${err instanceof Error ? err.message : String(err)}`,
    )
  })
  closers.push(() => listener.close())
  const port = listener.port
  const dialer = new PeerDialer(engine, logger.for('dialer'))
  closers.push(() => dialer.close())
  let tracker: TrackerConnection | undefined
  if (trackerTarget) {
    const connection = connectTracker({
      ...trackerTarget,
      software: SOFTWARE,
      engine,
      dialer,
      addresses: (ip) => reachableAt(listen.host, port, ip),
      log: logger.for('tracker'),
    })
    closers.push(() => connection.close())
    tracker = connection
  }
  let lan: LanDiscovery | undefined
  if (config.lan) {
    lan = await startLanDiscovery(engine, dialer, port, logger.for('lan')).catch((err: unknown) => {
      log(`LAN discovery is off: ${err instanceof Error ? err.message : String(err)}`)
      return undefined
    })
    if (lan) closers.push(() => lan?.close())
  }
  const watchLog = logger.for('watch')
  const watchers = watchShares(
    engine,
    (location, onChange) => watchFolder(location, onChange, watchLog),
    watchLog,
  )
  closers.push(() => watchers.close())

  let stopping: Promise<void> | undefined
  let markStopped: (closed: Promise<void>) => void = () => {}
  // Takes on closing's outcome, however the daemon was stopped: a signal or the control socket's
  // stop has no one waiting on stop(), so what would not close is reported by `stopped` alone (and
  // is not an unhandled rejection there). Marked handled for a caller that awaits stop() instead.
  const stopped = new Promise<void>((resolve) => (markStopped = resolve))
  void stopped.catch(() => undefined)
  const stop = (reason: string): Promise<void> => {
    stopping ??= (async () => {
      log(`stopping: ${reason}`)
      closers.splice(1, 0, () => log('stopped')) // just before the log itself closes
      await closeAll()
    })()
    markStopped(stopping)
    return stopping
  }

  const host: ControlHost = {
    stop: () => void setTimeout(() => void stop('asked through the control socket'), STOP_GRACE_MS),
    tracking: () => tracker?.tracking ?? false,
    describe: () => ({
      addresses: reachableAt(listen.host, port),
      listen: tcpAddress(listen.host, port),
      pid: process.pid,
      state: stateDir,
    }),
    discovered: (id) => dialer.discovered(id),
    configChanged: (keys) => {
      // The handler applies the limits at once; where to listen, the tracker, LAN and the name wait for the next start.
      if (keys.length > 0) log(`settings changed: ${keys.join(', ')}`)
    },
    checkLocation: (location, purpose) => checkLocation(stateDir, location, purpose),
  }
  const handler = createControlHandler({ engine, kv: platform.kv, config: configStore, host })
  let nextControlId = 1
  const control = await listenUnix(socketPath, (stream) => {
    const controlLog = logger.for(`control-${nextControlId++}`)
    void serveControl(stream, SOFTWARE, async (command) => {
      controlLog(command.type)
      return handler(command)
    })
  })
  // Closed first at shutdown: no new commands while the rest winds down.
  closers.push(() => control.close())
  log(
    `started (pid ${process.pid}): peers on ${tcpAddress(listen.host, port)}, control at ${socketPath}, tracker ${config.tracker || 'none'}, LAN ${lan ? 'on' : 'off'}`,
  )
  return { port, stopped, stop }
}
