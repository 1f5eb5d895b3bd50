/**
 * Raw data-channel throughput between two pages of one Chromium: two isolated contexts, an
 * RTCPeerConnection in each, signalled directly through Playwright (no server), one negotiated
 * ordered channel as `src/net/rtc-link.ts` makes it, and the sender paced as our pump paces it
 * (`src/net/data-channel-pump.ts`: 64 KiB messages, pause above 1 MiB buffered, resume at 256 KiB).
 * The ceiling the app's sync is measured against: no TLS, no MessagePort, no worker, no storage.
 */
import type { Browser, Page } from 'playwright'
import { chromiumCpuSeconds } from './cpu'
import { DEFAULT_HIGH_WATER_BYTES, DEFAULT_LOW_WATER_BYTES, DEFAULT_MAX_MESSAGE_BYTES } from '../../src/net/data-channel-pump'

/** Both pages keep their connection here between evaluate calls. */
type RawWindow = { rawLink?: { pc: RTCPeerConnection; channel: RTCDataChannel } }

export interface RawLink {
  readonly sender: Page
  readonly receiver: Page
  close(): Promise<void>
}

/** Makes the connection in a page and returns its local description once ICE gathering is complete. */
function describeLocal(page: Page, remote: RTCSessionDescriptionInit | null): Promise<RTCSessionDescriptionInit> {
  return page.evaluate(async (remote) => {
    const w = window as unknown as RawWindow
    const pc = new RTCPeerConnection({ iceServers: [] })
    const channel = pc.createDataChannel('bench', { negotiated: true, id: 1000, ordered: true })
    channel.binaryType = 'arraybuffer'
    w.rawLink = { pc, channel }
    if (remote) await pc.setRemoteDescription(remote)
    await pc.setLocalDescription(remote ? await pc.createAnswer() : await pc.createOffer())
    if (pc.iceGatheringState !== 'complete') {
      await new Promise<void>((resolve) => pc.addEventListener('icegatheringstatechange', () => pc.iceGatheringState === 'complete' && resolve()))
    }
    const local = pc.localDescription
    if (!local) throw new Error('no local description')
    return { type: local.type, sdp: local.sdp }
  }, remote)
}

/** Two pages in two contexts, connected by one open data channel. */
export async function openRawLink(browser: Browser): Promise<RawLink> {
  const contexts = [await browser.newContext(), await browser.newContext()]
  const [sender, receiver] = await Promise.all(contexts.map((c) => c.newPage()))
  if (!sender || !receiver) throw new Error('no page')
  const offer = await describeLocal(sender, null)
  const answer = await describeLocal(receiver, offer)
  await sender.evaluate((answer) => (window as unknown as RawWindow).rawLink?.pc.setRemoteDescription(answer), answer)
  const opened = (page: Page): Promise<void> =>
    page.evaluate(async () => {
      const channel = (window as unknown as RawWindow).rawLink?.channel
      if (!channel) throw new Error('no channel')
      if (channel.readyState !== 'open') await new Promise((resolve) => channel.addEventListener('open', resolve, { once: true }))
    })
  await Promise.all([opened(sender), opened(receiver)])
  return { sender, receiver, close: async () => void (await Promise.all(contexts.map((c) => c.close()))) }
}

/** Sends `bytes` from sender to receiver as the pump does; MB/s (10^6 bytes) from first send to last byte received. */
export async function measureRaw(link: RawLink, bytes: number): Promise<number> {
  const received = link.receiver.evaluate((total) => {
    const channel = (window as unknown as RawWindow).rawLink?.channel
    if (!channel) throw new Error('no channel')
    // Resolves with the time the last byte arrived (ms since the epoch, comparable across pages).
    return new Promise<number>((resolve) => {
      let got = 0
      channel.onmessage = (event: MessageEvent<ArrayBuffer>) => {
        got += event.data.byteLength
        if (got >= total) {
          channel.onmessage = null
          resolve(performance.timeOrigin + performance.now())
        }
      }
    })
  }, bytes)
  // Let the receiver's listener be in place before the first byte leaves.
  await link.receiver.evaluate(() => undefined)
  const started = await link.sender.evaluate(
    async ({ total, message, high, low }) => {
      const channel = (window as unknown as RawWindow).rawLink?.channel
      if (!channel) throw new Error('no channel')
      channel.bufferedAmountLowThreshold = low
      const chunk = new Uint8Array(message)
      for (let at = 0; at < message; at += 65_536) crypto.getRandomValues(chunk.subarray(at, at + 65_536))
      const start = performance.timeOrigin + performance.now()
      for (let sent = 0; sent < total; sent += message) {
        if (channel.bufferedAmount > high) await new Promise((resolve) => channel.addEventListener('bufferedamountlow', resolve, { once: true }))
        channel.send(chunk.subarray(0, Math.min(message, total - sent)))
      }
      return start
    },
    { total: bytes, message: DEFAULT_MAX_MESSAGE_BYTES, high: DEFAULT_HIGH_WATER_BYTES, low: DEFAULT_LOW_WATER_BYTES },
  )
  const ended = await received
  return bytes / 1e6 / ((ended - started) / 1000)
}

/**
 * Median MB/s of `runs` transfers of `mib` MiB over one link, every run's figure, and Chromium's
 * CPU milliseconds per MB over all of them.
 */
export async function rawThroughput(browser: Browser, mib: number, runs: number): Promise<{ median: number; runs: number[]; cpuMsPerMB: number }> {
  const link = await openRawLink(browser)
  try {
    const figures: number[] = []
    const cpuBefore = chromiumCpuSeconds()
    for (let i = 0; i < runs; i++) figures.push(await measureRaw(link, mib * 1024 * 1024))
    const cpuMsPerMB = ((chromiumCpuSeconds() - cpuBefore) * 1000) / ((runs * mib * 1024 * 1024) / 1e6)
    const sorted = [...figures].sort((a, b) => a - b)
    return { median: sorted[Math.floor(sorted.length / 2)] ?? Number.NaN, runs: figures, cpuMsPerMB }
  } finally {
    await link.close()
  }
}
