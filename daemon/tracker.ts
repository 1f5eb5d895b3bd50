/**
 * The daemon's tracker connection (core.md, "Tracker Protocol") over TCP: registers every ID the
 * engine announces, again whenever they change, tells the tracker our `tcp:` addresses, and hands
 * the peers it learns to the dialer. A lost connection is retried with back-off.
 */
import type { Engine } from '../src/engine/engine'
import { connectTcp } from '../src/platform/node/tcp-stream'
import { runTrackerClient, type TrackerClientHandle } from '../src/protocol/tracker/client-driver'
import type { PeerDialer } from './dialer'
import type { Log } from './log'

/** How often we check in; the tracker clamps it into its range. */
const TRACKER_TTL_SECONDS = 60
const FIRST_RETRY_MS = 1_000
const MAX_RETRY_MS = 60_000

export interface TrackerOptions {
  readonly host: string
  readonly port: number
  readonly software: string
  readonly engine: Engine
  readonly dialer: PeerDialer
  /** Our addresses, given the IP the tracker sees us at. */
  readonly addresses: (yourIp: string) => string[]
  readonly log: Log
}

export interface TrackerConnection {
  /** Whether the tracker has greeted us and holds our registrations. */
  readonly tracking: boolean
  close(): void
}

export function connectTracker(options: TrackerOptions): TrackerConnection {
  const { engine, log } = options
  let handle: TrackerClientHandle | undefined
  let started = false
  let closed = false
  let failures = 0
  let retry: ReturnType<typeof setTimeout> | undefined

  const unsubscribe = engine.on((event) => {
    if (event.type === 'registrations') handle?.setIds(engine.registrations())
  })

  const run = async (): Promise<void> => {
    retry = undefined
    const where = `${options.host}:${options.port}`
    try {
      const stream = await connectTcp(options.host, options.port)
      if (closed) return stream.close()
      handle = runTrackerClient(stream, {
        software: options.software,
        ttlSeconds: TRACKER_TTL_SECONDS,
        signaling: false,
        onEvent: (event) => {
          if (event.type === 'started') {
            started = true
            failures = 0
            const addresses = options.addresses(event.greeting.yourIp)
            log(
              `connected to ${where}; it sees us as ${event.greeting.yourIp}; announcing ${addresses.join(' ')}`,
            )
            queueMicrotask(() => handle?.setAddresses(addresses))
          } else if (event.type === 'peers') {
            options.dialer.setPeers('tracker', event.id, event.peers)
          }
        },
      })
      handle.setIds(engine.registrations())
      const err = await handle.closed
      log(`connection to ${where} closed: ${err?.message ?? 'closed'}`)
    } catch (err) {
      log(`cannot reach ${where}: ${err instanceof Error ? err.message : String(err)}`)
    }
    handle = undefined
    started = false
    if (closed) return
    const delay = Math.min(MAX_RETRY_MS, FIRST_RETRY_MS * 2 ** failures++)
    retry = setTimeout(() => void run(), delay)
  }
  void run()

  return {
    get tracking() {
      return started
    },
    close() {
      closed = true
      unsubscribe()
      if (retry) clearTimeout(retry)
      handle?.close()
    },
  }
}
