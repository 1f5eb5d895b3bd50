/**
 * The page's peer manager (src/net/peer-manager.ts) answering and offering WebRTC links, with a
 * host whose answers take a while, as the engine worker's do when it is busy: the signals that
 * follow an offer (trickled ICE candidates) must reach the link made for it, and one link is made
 * per peer however many lookups run at once.
 */
import { afterEach, describe, expect, it, vi } from 'vitest'
import type { Remote } from 'comlink'
import type { EngineHost } from '../../src/platform/browser/engine-host'
import type { JsonObject } from '../../src/protocol/wire/json-value'

// simple-peer wants Node's `global`, which the app's vite config defines and this one does not.
;(globalThis as unknown as { global: unknown }).global = globalThis
const { PeerManager } = await import('../../src/net/peer-manager')
const { RtcLink } = await import('../../src/net/rtc-link')
type PeerManager = InstanceType<typeof PeerManager>

const delay = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

function slowHost() {
  const adopted: string[] = []
  const host = {
    adopted,
    async wantsConnection(): Promise<boolean> {
      await delay(50)
      return true
    },
    async adoptChannel(key: string): Promise<void> {
      adopted.push(key)
    },
    async releaseChannel(): Promise<void> {},
    accept: () => new Promise<string>(() => undefined),
    connectOver: () => new Promise<string>(() => undefined),
  }
  return host
}

/** The manager's private steps these tests drive, as the tracker's events would. */
interface Driven {
  onSignal(id: string, from: string, signal: JsonObject): Promise<void>
  consider(id: string): Promise<void>
  ids: Map<string, string>
  known: Map<string, Map<string, string[]>>
}

let manager: PeerManager | undefined
afterEach(() => {
  manager?.stop()
  manager = undefined
  vi.restoreAllMocks()
})

function makeManager(host: ReturnType<typeof slowHost>): Driven {
  manager = new PeerManager(host as unknown as Remote<EngineHost>, {
    trackerUrl: 'ws://127.0.0.1:1/tracker',
    iceServers: [],
    software: 'test',
  })
  return manager as unknown as Driven
}

async function realOffer(): Promise<JsonObject> {
  const pc = new RTCPeerConnection()
  pc.createDataChannel('x')
  const offer = await pc.createOffer()
  pc.close()
  return { type: 'offer', sdp: offer.sdp ?? '' }
}

describe('PeerManager', () => {
  it('passes on the candidates that arrive while it decides whether to answer an offer', async () => {
    const signals = vi.spyOn(RtcLink.prototype, 'signal')
    const driven = makeManager(slowHost())
    const candidate: JsonObject = {
      type: 'candidate',
      candidate: {
        candidate: 'candidate:1 1 udp 2122260223 198.18.0.2 50000 typ host',
        sdpMLineIndex: 0,
        sdpMid: '0',
      },
    }
    const offer = driven.onSignal('share', 'aaaa', await realOffer())
    const next = driven.onSignal('share', 'aaaa', candidate)
    await Promise.all([offer, next])
    expect(signals.mock.calls.map(([signal]) => signal.type)).toEqual(['offer', 'candidate'])
  })

  it('makes one link to a peer when two lookups for it run at once', async () => {
    const host = slowHost()
    const driven = makeManager(host)
    driven.ids.set('share', 'aaaa')
    driven.known.set('share', new Map([['bbbb', ['webrtc:bbbb']]]))
    await Promise.all([driven.consider('share'), driven.consider('share')])
    expect(host.adopted).toHaveLength(1)
  })

  it('stops looking at peers, and lets go of the bridge, once stopped (the engine moved to another tab)', async () => {
    vi.useFakeTimers()
    try {
      const host = {
        ...slowHost(),
        wantsConnection: vi.fn(async () => true),
        onRegistrations: async () => undefined,
      }
      const driven = makeManager(host)
      await manager!.start()
      driven.ids.set('share', 'aaaa')
      driven.known.set('share', new Map([['bbbb', ['webrtc:bbbb']]]))
      const destroy = vi.fn()
      ;(driven as unknown as { bridge: unknown }).bridge = {
        peerId: 'bridge',
        client: { destroy },
        inbound: null,
      }
      manager!.stop()
      await vi.advanceTimersByTimeAsync(60_000)
      expect(host.wantsConnection).not.toHaveBeenCalled()
      expect(destroy).toHaveBeenCalled()
    } finally {
      vi.useRealTimers()
    }
  })
})
