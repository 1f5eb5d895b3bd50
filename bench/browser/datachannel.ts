/**
 * Raw data-channel throughput between two pages of one Chromium: two isolated contexts, an
 * RTCPeerConnection in each, signalled directly through Playwright (no server), one negotiated
 * ordered channel as `src/net/rtc-link.ts` makes it, and the sender paced as the app paces it
 * (`src/platform/browser/channel-stream.ts`: 64 KiB messages, pause above 4 MiB buffered, resume
 * at 2 MiB). The ceiling the app's sync is measured against: no TLS, no worker hop, no storage.
 *
 * Two placements of the channel's ends, as the app has them: on each page's main thread (where the
 * app pumps a channel it cannot transfer), or in a dedicated worker of each page, the channel
 * transferred to it at creation (where the app's engine reads and writes it in Chromium). Both
 * run the same sending and receiving loops (ENDPOINT_SOURCE), in plain JavaScript injected into the
 * page, so that nothing the bench's own build adds runs inside the measured loops.
 */
import type { Page } from 'playwright'
import type { Place, Places } from './contexts'
import { chromiumCpuSeconds, newRenderers, rendererPids } from './cpu'
import {
  DEFAULT_HIGH_WATER_BYTES,
  DEFAULT_LOW_WATER_BYTES,
  DEFAULT_MAX_MESSAGE_BYTES,
} from '../../src/platform/browser/channel-stream'

/** Where each page's end of the channel is read and written. */
export type RawPlacement = 'page' | 'worker'

/** What the injected code answers; `kind` says to which request. */
type Reply =
  | { kind: 'open' }
  | { kind: 'listening' }
  | { kind: 'received'; at: number }
  | { kind: 'sent'; start: number }
type Request =
  { kind: 'receive'; total: number } | { kind: 'send'; total: number; message: number; high: number }
interface RawBenchWindow {
  rawBench: {
    connect(
      remote: RTCSessionDescriptionInit | null,
      inWorker: boolean,
      low: number,
    ): Promise<RTCSessionDescriptionInit>
    accept(answer: RTCSessionDescriptionInit): Promise<void>
    request(request: Request): void
    wait(kind: Reply['kind']): Promise<Reply>
  }
}

/**
 * One end's loops, the same in a page and in a worker: `rawEndpoint(reply)` returns the handler of
 * requests. Times are ms since the epoch (performance.timeOrigin + now), comparable across pages.
 */
const ENDPOINT_SOURCE = `
function rawEndpoint(reply) {
  let channel
  return async (m) => {
    if (m.kind === 'channel') {
      channel = m.channel
      channel.binaryType = 'arraybuffer'
      channel.bufferedAmountLowThreshold = m.low
      if (channel.readyState !== 'open') await new Promise((r) => channel.addEventListener('open', r, { once: true }))
      reply({ kind: 'open' })
    } else if (m.kind === 'receive') {
      let got = 0
      channel.onmessage = (event) => {
        got += event.data.byteLength
        if (got >= m.total) {
          channel.onmessage = null
          reply({ kind: 'received', at: performance.timeOrigin + performance.now() })
        }
      }
      reply({ kind: 'listening' })
    } else if (m.kind === 'send') {
      const chunk = new Uint8Array(m.message)
      for (let at = 0; at < m.message; at += 65536) crypto.getRandomValues(chunk.subarray(at, at + 65536))
      const start = performance.timeOrigin + performance.now()
      for (let sent = 0; sent < m.total; sent += m.message) {
        if (channel.bufferedAmount > m.high) await new Promise((r) => channel.addEventListener('bufferedamountlow', r, { once: true }))
        channel.send(chunk.subarray(0, Math.min(m.message, m.total - sent)))
      }
      reply({ kind: 'sent', start })
    }
  }
}
`

/** The page's half: the connection, and the endpoint in the page or in a worker given the channel. */
const PAGE_SOURCE = `${ENDPOINT_SOURCE}
window.rawBench = (() => {
  const arrived = new Map()
  const waiting = new Map()
  const queue = (map, kind) => map.get(kind) ?? map.set(kind, []).get(kind)
  const deliver = (reply) => {
    const waiter = queue(waiting, reply.kind).shift()
    if (waiter) waiter(reply)
    else queue(arrived, reply.kind).push(reply)
  }
  let pc
  let post
  return {
    wait: (kind) => (queue(arrived, kind).length > 0 ? Promise.resolve(queue(arrived, kind).shift()) : new Promise((r) => queue(waiting, kind).push(r))),
    request: (m) => post(m),
    async connect(remote, inWorker, low) {
      pc = new RTCPeerConnection({ iceServers: [] })
      const channel = pc.createDataChannel('bench', { negotiated: true, id: 1000, ordered: true })
      if (inWorker) {
        // Transferred in the task that created it, as src/net/channel-handover.ts does.
        const source = ${JSON.stringify(ENDPOINT_SOURCE)} + 'const handle = rawEndpoint((r) => postMessage(r)); onmessage = (e) => handle(e.data)'
        const worker = new Worker(URL.createObjectURL(new Blob([source], { type: 'text/javascript' })))
        worker.onmessage = (e) => deliver(e.data)
        worker.postMessage({ kind: 'channel', channel, low }, [channel])
        post = (m) => worker.postMessage(m)
      } else {
        const handle = rawEndpoint(deliver)
        void handle({ kind: 'channel', channel, low })
        post = (m) => void handle(m)
      }
      if (remote) await pc.setRemoteDescription(remote)
      await pc.setLocalDescription(remote ? await pc.createAnswer() : await pc.createOffer())
      if (pc.iceGatheringState !== 'complete') {
        await new Promise((resolve) => pc.addEventListener('icegatheringstatechange', () => pc.iceGatheringState === 'complete' && resolve()))
      }
      return { type: pc.localDescription.type, sdp: pc.localDescription.sdp }
    },
    accept: (answer) => pc.setRemoteDescription(answer),
  }
})()
`

export interface RawLink {
  readonly sender: Page
  readonly receiver: Page
  readonly placement: RawPlacement
  /** Each page's renderer pid, named "sender renderer" / "receiver renderer" (for cpu.ts). */
  readonly renderers: ReadonlyMap<string, string>
  close(): Promise<void>
}

function bench(page: Page): Promise<Page> {
  return page.addScriptTag({ content: PAGE_SOURCE }).then(() => page)
}

/** Two pages in two contexts, connected by one open data channel whose ends are where `placement` says. */
export async function openRawLink(places: Places, placement: RawPlacement = 'page'): Promise<RawLink> {
  const renderers = new Map<string, string>()
  const known = rendererPids()
  const ends: Place[] = []
  const pages: Page[] = []
  for (const i of [0, 1]) {
    const end = await places.make()
    ends.push(end)
    pages.push(await bench(end.page))
    for (const pid of newRenderers(known))
      renderers.set(pid, i === 0 ? 'sender renderer' : 'receiver renderer')
  }
  const [sender, receiver] = pages
  if (!sender || !receiver) throw new Error('no page')
  const inWorker = placement === 'worker'
  const connect = (
    page: Page,
    remote: RTCSessionDescriptionInit | null,
  ): Promise<RTCSessionDescriptionInit> =>
    page.evaluate(
      ([remote, inWorker, low]) =>
        (window as unknown as RawBenchWindow).rawBench.connect(remote, inWorker, low),
      [remote, inWorker, DEFAULT_LOW_WATER_BYTES] as const,
    )
  const offer = await connect(sender, null)
  const answer = await connect(receiver, offer)
  await sender.evaluate((answer) => (window as unknown as RawBenchWindow).rawBench.accept(answer), answer)
  await Promise.all(
    pages.map((page) => page.evaluate(() => (window as unknown as RawBenchWindow).rawBench.wait('open'))),
  )
  return {
    sender,
    receiver,
    placement,
    renderers,
    close: async () => void (await Promise.all(ends.map((end) => end.close()))),
  }
}

/** Sends `bytes` from sender to receiver as the app does; MB/s (10^6 bytes) from first send to last byte received. */
export async function measureRaw(
  link: RawLink,
  bytes: number,
  messageBytes = DEFAULT_MAX_MESSAGE_BYTES,
): Promise<number> {
  await link.receiver.evaluate((total) => {
    const raw = (window as unknown as RawBenchWindow).rawBench
    raw.request({ kind: 'receive', total })
    return raw.wait('listening')
  }, bytes)
  const sent = await link.sender.evaluate(
    (request) => {
      const raw = (window as unknown as RawBenchWindow).rawBench
      raw.request(request)
      return raw.wait('sent')
    },
    { kind: 'send', total: bytes, message: messageBytes, high: DEFAULT_HIGH_WATER_BYTES } as const,
  )
  const received = await link.receiver.evaluate(() =>
    (window as unknown as RawBenchWindow).rawBench.wait('received'),
  )
  if (sent.kind !== 'sent' || received.kind !== 'received') throw new Error('raw bench: replies out of order')
  return bytes / 1e6 / ((received.at - sent.start) / 1000)
}

/** Sent once over each new link before its runs are timed. */
const WARM_UP_BYTES = 16 * 1024 * 1024

export interface RawFigures {
  readonly placement: RawPlacement
  readonly median: number
  readonly runs: number[]
  /** Chromium's CPU milliseconds per MB over all the runs. */
  readonly cpuMsPerMB: number
}

/** Median MB/s of `runs` transfers of `mib` MiB over one link, every run's figure, and the CPU they took. */
export async function rawThroughput(
  places: Places,
  mib: number,
  runs: number,
  placement: RawPlacement = 'page',
): Promise<RawFigures> {
  const link = await openRawLink(places, placement)
  try {
    // A fresh association starts slow (the first run of each link came out at half the others'):
    // the ceiling is what the channel does once going, which makes it the harder one to reach.
    await measureRaw(link, WARM_UP_BYTES)
    const figures: number[] = []
    const cpuBefore = chromiumCpuSeconds()
    for (let i = 0; i < runs; i++) figures.push(await measureRaw(link, mib * 1024 * 1024))
    const cpuMsPerMB = ((chromiumCpuSeconds() - cpuBefore) * 1000) / ((runs * mib * 1024 * 1024) / 1e6)
    const sorted = [...figures].sort((a, b) => a - b)
    return {
      placement,
      median: sorted[Math.floor(sorted.length / 2)] ?? Number.NaN,
      runs: figures,
      cpuMsPerMB,
    }
  } finally {
    await link.close()
  }
}
