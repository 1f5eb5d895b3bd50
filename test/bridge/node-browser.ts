/**
 * A browser peer's bridge side, in Node, for the bridge's tests and benchmark: it finds the bridge
 * through the signaling server under BRIDGE_ID, connects by WebRTC (node-datachannel, as the bridge
 * does), and speaks the control protocol with the bridge as src/net/bridge-client.ts does.
 */
import { generatePeerId } from '../../src/protocol/access'
import {
  BRIDGE_ID,
  BRIDGE_SCHEME,
  CONTROL_CHANNEL_ID,
  encodeBridgeMessage,
  FIRST_DIAL_CHANNEL,
  parseBridgeMessage,
  type BridgeMessage,
} from '../../src/protocol/bridge/messages'
import { runTrackerClient, type TrackerClientHandle } from '../../src/protocol/tracker/client-driver'
import type { JsonObject } from '../../src/protocol/wire/json-value'
import { RtcPeer, type NodeDataChannel } from '../../bridge/rtc'
import { openWsStream } from '../../bridge/ws-stream'

export interface NodeBrowser {
  /** The bridge's hello: its inbound address. */
  readonly inbound: string | null
  readonly incoming: Array<Extract<BridgeMessage, { type: 'incoming' }> & { channel: number }>
  watch(ids: readonly string[], inbound: boolean): void
  /** Resolves with the bridge's answer and, when it dialled, the relay channel. */
  dial(id: string, address: string): Promise<{ error?: string; channel?: NodeDataChannel }>
  /** Our end of an incoming relay channel, accepted. */
  accept(channel: number): NodeDataChannel
  close(): void
}

const ATTEMPTS = 5
const RETRY_PAUSE_MS = 300
const ATTEMPT_MS = 8_000

/**
 * Connects to the bridge registered at `signalingUrl` (`http://…`), registering `ids` too. Two
 * node-datachannel peers in one process sometimes fail their first negotiation ("remote candidate
 * without ICE transport"; Chromium, the bridge's real counterpart, does not), so it tries again.
 */
export async function connectNodeBrowser(
  signalingUrl: string,
  ids: ReadonlyMap<string, string> = new Map(),
): Promise<NodeBrowser> {
  for (let attempt = 1; ; attempt++) {
    // Our own timer, cleared once the attempt ends: an AbortSignal.timeout would still fire later
    // and close the link this attempt handed back.
    const controller = new AbortController()
    const timer = setTimeout(() => controller.abort(), ATTEMPT_MS)
    try {
      return await connectOnce(signalingUrl, ids, controller.signal)
    } catch (err) {
      if (attempt === ATTEMPTS) throw err
      await new Promise((r) => setTimeout(r, RETRY_PAUSE_MS))
    } finally {
      clearTimeout(timer)
    }
  }
}

async function connectOnce(
  signalingUrl: string,
  ids: ReadonlyMap<string, string>,
  signal: AbortSignal,
): Promise<NodeBrowser> {
  let tracker: TrackerClientHandle | undefined
  let rtc: RtcPeer | undefined
  let bridgePeer = ''
  const answers = new Map<number, (m: { error?: string }) => void>()
  const incoming: NodeBrowser['incoming'] = []
  let nextDial = FIRST_DIAL_CHANNEL
  const early: JsonObject[] = []
  let answered = false
  const control = await new Promise<NodeDataChannel>((resolve, reject) => {
    signal.addEventListener('abort', () => {
      rtc?.close('no hello in time')
      tracker?.close()
      reject(new Error('no hello from the bridge in time'))
    })
    void openWsStream(`${signalingUrl.replace(/^http/, 'ws')}/tracker`).then((stream) => {
      tracker = runTrackerClient(stream, {
        software: 'test-browser',
        ttlSeconds: 60,
        signaling: true,
        onEvent: (event) => {
          if (event.type === 'peers' && event.id === BRIDGE_ID && !rtc) {
            const found = [...event.peers].find(([, a]) => a.some((x) => x.startsWith(BRIDGE_SCHEME)))
            if (!found) return
            bridgePeer = found[0]
            rtc = new RtcPeer({
              initiator: true,
              sendSignal: (s) => tracker?.sendSignal(BRIDGE_ID, bridgePeer, s),
              onClose: (r) => {
                tracker?.close()
                reject(new Error(r))
              },
            })
            const peer = rtc
            void peer.connected.then(() => resolve(peer.channel(CONTROL_CHANNEL_ID, 'clearskies')))
          } else if (event.type === 'signal' && event.from === bridgePeer) {
            // The bridge's candidates may overtake its answer; libdatachannel refuses them before
            // it (simple-peer holds them back only when remoteDescription is null, which the
            // polyfill's never is).
            if (event.signal.type === 'answer') {
              rtc?.signal(event.signal)
              for (const held of early.splice(0)) rtc?.signal(held)
              answered = true
            } else if (answered) rtc?.signal(event.signal)
            else early.push(event.signal)
          }
        },
      })
      tracker.setIds(new Map([...ids, [BRIDGE_ID, generatePeerId()]]))
    }, reject)
  })
  const inbound = await new Promise<string | null>((resolve, reject) => {
    signal.addEventListener('abort', () => reject(new Error('no hello from the bridge in time')))
    control.addEventListener('message', (event) => {
      const message = parseBridgeMessage(String((event as Event & { data?: unknown }).data))
      if (message.type === 'hello') resolve(message.inbound)
      else if (message.type === 'dialed') answers.get(message.channel)?.(message)
      else if (message.type === 'incoming') incoming.push(message)
    })
  })
  const send = (message: BridgeMessage): void => control.send(encodeBridgeMessage(message))
  return {
    inbound,
    incoming,
    watch: (list, wantInbound) => send({ type: 'watch', ids: [...list], inbound: wantInbound }),
    async dial(id, address) {
      const channel = nextDial
      nextDial += 2
      const answer = await new Promise<{ error?: string }>((resolve) => {
        answers.set(channel, resolve)
        send({ type: 'dial', channel, id, address })
      })
      return answer.error !== undefined ? answer : { channel: rtc?.channel(channel, 'tcp') }
    },
    accept(channel) {
      const opened = rtc?.channel(channel, 'tcp')
      if (!opened) throw new Error('not connected')
      send({ type: 'accepted', channel })
      return opened
    },
    close() {
      rtc?.close('test over')
      tracker?.close()
    },
  }
}
