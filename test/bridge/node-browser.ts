/**
 * A browser peer's bridge side, in Node, for the bridge's tests and benchmark: it finds the bridge
 * through the signaling server under BRIDGE_ID, connects by WebRTC (node-datachannel, as the bridge
 * does), and speaks the control protocol with the bridge as src/net/bridge-client.ts does.
 */
import { generatePeerId } from '../../src/protocol/access'
import { BRIDGE_ID, BRIDGE_SCHEME, CONTROL_CHANNEL_ID, encodeBridgeMessage, FIRST_DIAL_CHANNEL, parseBridgeMessage, type BridgeMessage } from '../../src/protocol/bridge/messages'
import { runTrackerClient, type TrackerClientHandle } from '../../src/protocol/tracker/client-driver'
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

/** Connects to the bridge registered at `signalingUrl` (`http://…`), registering `ids` too. */
export async function connectNodeBrowser(signalingUrl: string, ids: ReadonlyMap<string, string> = new Map()): Promise<NodeBrowser> {
  let tracker: TrackerClientHandle | undefined
  let rtc: RtcPeer | undefined
  let bridgePeer = ''
  const answers = new Map<number, (m: { error?: string }) => void>()
  const incoming: NodeBrowser['incoming'] = []
  let nextDial = FIRST_DIAL_CHANNEL
  const control = await new Promise<NodeDataChannel>((resolve, reject) => {
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
            rtc = new RtcPeer({ initiator: true, sendSignal: (s) => tracker?.sendSignal(BRIDGE_ID, bridgePeer, s), onClose: (r) => reject(new Error(r)) })
            const peer = rtc
            void peer.connected.then(() => resolve(peer.channel(CONTROL_CHANNEL_ID, 'clearskies')))
          } else if (event.type === 'signal' && event.from === bridgePeer) rtc?.signal(event.signal)
        },
      })
      tracker.setIds(new Map([...ids, [BRIDGE_ID, generatePeerId()]]))
    }, reject)
  })
  const inbound = await new Promise<string | null>((resolve) => {
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
