/**
 * Signaling server benchmark: `npx tsx bench/signaling/index.ts [N] [SIGNALS_PER_S] [SECONDS]`.
 *
 * Starts the server in a child process (so its peak RSS is its own), opens N WebSocket clients on
 * loopback that speak the tracker protocol as browsers do, registers them in pairs under a shared
 * ID, waits until every client has seen its partner in tracker.peers, then relays signals between
 * random pairs at a steady rate and measures each signal's latency from send to delivery.
 *
 * Prints registrations/s, relay latency p50/p99 and the server's peak RSS (VmHWM). Each process
 * holds N sockets: raise `ulimit -n` above N + 100 first if needed (targets: N = 10,000 under
 * 500 MB; p99 under 50 ms at 1,000 signals/s).
 */
import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { monitorEventLoopDelay } from 'node:perf_hooks'
import { WebSocket } from 'ws'
import { encodeTrackerMessage, TrackerMessageDecoder } from '../../src/protocol/tracker/framing'
import { SIGNAL_EXTENSION, SIGNAL_RELAY_TYPE } from '../../src/protocol/tracker/messages'
import type { WireBody } from '../../src/protocol/wire/message'

const N = Number(process.argv[2] ?? 1000)
const SIGNALS_PER_S = Number(process.argv[3] ?? 1000)
const RELAY_SECONDS = Number(process.argv[4] ?? 10)
/** Connections opened at once: more would overflow the server's listen backlog with SYNs. */
const CONNECT_CONCURRENCY = 200
const TICK_MS = 10
const CLI = fileURLToPath(new URL('../../bin/clearskies.js', import.meta.url))
const MAX_DECODED_BYTES = 1024 * 1024

interface Registration {
  id: string
  peer: string
  partner: string
}

interface BenchClient extends Registration {
  ws: WebSocket
  /** Settles when tracker.peers has listed the partner. */
  sawPartner: Promise<void>
}

const latenciesMs: number[] = []
const clientLoopDelay = monitorEventLoopDelay({ resolution: 10 })

async function main(): Promise<void> {
  if (N % 2 !== 0 || N < 2) throw new Error(`N must be an even number of at least 2, got ${N}`)
  const { port, pid, stop } = await startServer()
  console.log(
    `server pid ${pid} on port ${port}; ${N} clients, ${SIGNALS_PER_S} signals/s for ${RELAY_SECONDS} s`,
  )

  const t0 = performance.now()
  const plans: Registration[] = []
  for (let pair = 0; pair < N / 2; pair++) {
    const id = randomBytes(32).toString('hex')
    const [a, b] = [randomBytes(16).toString('hex'), randomBytes(16).toString('hex')]
    plans.push({ id, peer: a, partner: b }, { id, peer: b, partner: a })
  }
  const clients: BenchClient[] = []
  for (let i = 0; i < plans.length; i += CONNECT_CONCURRENCY) {
    clients.push(...(await Promise.all(plans.slice(i, i + CONNECT_CONCURRENCY).map((r) => connect(port, r)))))
  }
  const tConnected = performance.now()
  await Promise.all(clients.map((c) => c.sawPartner))
  const tRegistered = performance.now()
  const rssRegistered = vmKb(pid, 'VmRSS')
  console.log(
    `connected ${N} in ${((tConnected - t0) / 1000).toFixed(2)} s; all registered and introduced in ${((tRegistered - t0) / 1000).toFixed(2)} s`,
  )
  console.log(`registrations/s: ${Math.round(N / ((tRegistered - t0) / 1000))}`)
  console.log(`server RSS with ${N} clients registered: ${(rssRegistered / 1024).toFixed(1)} MB`)

  const perTick = (SIGNALS_PER_S * TICK_MS) / 1000
  await health(port) // starts the server's event-loop delay afresh for the relay phase
  clientLoopDelay.enable()
  let sent = 0
  const tRelay = performance.now()
  await new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      // Catch up on late ticks, so the offered rate is the nominal one.
      const due = Math.floor(((performance.now() - tRelay) / 1000) * SIGNALS_PER_S)
      for (
        let i = 0;
        i < Math.max(perTick, due - sent) && sent < SIGNALS_PER_S * RELAY_SECONDS;
        i++, sent++
      ) {
        const from = clients[Math.floor(Math.random() * clients.length)]!
        send(from.ws, {
          type: SIGNAL_RELAY_TYPE,
          id: from.id,
          from: from.peer,
          to: from.partner,
          signal: { type: 'candidate', sentAtMs: performance.now() },
        })
      }
      if (sent >= SIGNALS_PER_S * RELAY_SECONDS) {
        clearInterval(timer)
        setTimeout(resolve, 1000) // let the last ones arrive
      }
    }, TICK_MS)
  })
  const achieved = sent / ((performance.now() - tRelay - 1000) / 1000)
  latenciesMs.sort((x, y) => x - y)
  const pct = (p: number): string =>
    (
      latenciesMs[Math.min(latenciesMs.length - 1, Math.floor((p / 100) * latenciesMs.length))] ?? NaN
    ).toFixed(2)
  console.log(
    `relayed ${latenciesMs.length}/${sent} signals at ~${Math.round(achieved)}/s: latency p50 ${pct(50)} ms, p99 ${pct(99)} ms, max ${pct(100)} ms`,
  )
  console.log(`server peak RSS (VmHWM): ${(vmKb(pid, 'VmHWM') / 1024).toFixed(1)} MB`)
  // Which side stalled, if the tail is long: the server's event loop, or this process's.
  const server = await health(port)
  const ms = (ns: number): string => (ns / 1e6).toFixed(1)
  console.log(
    `event-loop delay while relaying: server p99 ${server.loopDelayP99Ms?.toFixed(1)} ms, max ${server.loopDelayMaxMs?.toFixed(1)} ms; ` +
      `bench clients p99 ${ms(clientLoopDelay.percentile(99))} ms, max ${ms(clientLoopDelay.max)} ms`,
  )

  const tStop = performance.now()
  await stop()
  console.log(`graceful shutdown with ${N} clients: ${((performance.now() - tStop) / 1000).toFixed(2)} s`)
  for (const c of clients) c.ws.terminate()
}

function connect(port: number, registration: Registration): Promise<BenchClient> {
  const decoder = new TrackerMessageDecoder(MAX_DECODED_BYTES)
  let introduced: () => void = () => {}
  const ws = new WebSocket(`ws://127.0.0.1:${port}/tracker`, { perMessageDeflate: false })
  const client: BenchClient = {
    ...registration,
    ws,
    sawPartner: new Promise((resolve) => (introduced = resolve)),
  }
  ws.on('message', (data: Buffer) => {
    for (const msg of decoder.push(new Uint8Array(data))) receive(client, msg, introduced)
  })
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(client))
    ws.once('error', reject)
  })
}

function receive(client: BenchClient, msg: WireBody, introduced: () => void): void {
  if (msg.type === 'tracker.greeting') {
    send(client.ws, {
      type: 'tracker.start',
      software: 'bench',
      protocol: 1,
      ttl: 3600,
      extensions: [SIGNAL_EXTENSION],
    })
    send(client.ws, { type: 'tracker.register', ids: { [client.id]: client.peer } })
  } else if (msg.type === 'tracker.peers') {
    const peers = msg.peers
    if (typeof peers === 'object' && peers !== null && !Array.isArray(peers) && client.partner in peers)
      introduced()
  } else if (msg.type === SIGNAL_RELAY_TYPE) {
    const signal = msg.signal
    if (
      typeof signal === 'object' &&
      signal !== null &&
      !Array.isArray(signal) &&
      typeof signal.sentAtMs === 'number'
    )
      latenciesMs.push(performance.now() - signal.sentAtMs)
  }
}

function send(ws: WebSocket, body: WireBody): void {
  ws.send(encodeTrackerMessage(body), { binary: true })
}

function startServer(): Promise<{ port: number; pid: number; stop: () => Promise<void> }> {
  const limit = String(N + 100)
  const child = spawn(
    process.execPath,
    [
      CLI,
      'signaling',
      '--port',
      '0',
      '--tcp-port',
      '0',
      '--max-connections',
      limit,
      '--max-connections-per-address',
      limit,
      '--static',
      '/nonexistent',
      '--log-level',
      'info',
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  )
  // A bench that dies (an error, Ctrl-C) must not leave its server behind.
  process.once('exit', () => child.kill('SIGKILL'))
  return new Promise((resolve, reject) => {
    let buffered = ''
    const onData = (d: Buffer): void => {
      buffered += d.toString()
      const line = buffered.split('\n').find((l) => l.includes('"msg":"listening"'))
      if (!line) return
      child.stdout.off('data', onData)
      // Keep draining its logs; show the shutdown timings and anything that went wrong.
      child.stdout.on('data', (more: Buffer) => {
        for (const l of more.toString().split('\n'))
          if (/"level":"(warn|error)"|"msg":"(connections closed|stopped)"/.test(l))
            console.log(`  server: ${l}`)
      })
      const { http } = JSON.parse(line) as { http: number }
      const exited = new Promise<void>((done) => child.once('exit', () => done()))
      resolve({
        port: http,
        pid: child.pid ?? 0,
        stop: async () => {
          child.kill('SIGTERM')
          await exited
        },
      })
    }
    child.stdout.on('data', onData)
    child.once('exit', (code) => reject(new Error(`server exited with ${code}: ${buffered}`)))
  })
}

async function health(port: number): Promise<Record<string, number>> {
  return (await (await fetch(`http://127.0.0.1:${port}/healthz`)).json()) as Record<string, number>
}

/** A field of /proc/PID/status in kB: VmRSS now, VmHWM the peak. */
function vmKb(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
  return Number(match?.[1] ?? NaN)
}

main().catch((err: unknown) => {
  console.error(err)
  process.exit(1)
})
