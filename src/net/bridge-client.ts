/**
 * The page's side of the bridge (docs/protocol-notes/bridge.md): a WebRTC connection to the bridge
 * beside the signaling server, found as the member of BRIDGE_ID that announces a `bridge:` address.
 * Over its control channel the page tells the bridge its IDs (`watch`), asks it to dial `tcp:`
 * peers, and is told of inbound connections; each relayed connection is a data channel of its own,
 * pumped to the engine worker like any other link. The bridge only relays: TLS-SRP runs between the
 * worker and the TCP peer.
 */
import {
  encodeBridgeMessage,
  FIRST_DIAL_CHANNEL,
  MAX_CHANNEL_ID,
  parseBridgeMessage,
  type BridgeMessage,
} from '../protocol/bridge/messages'
import type { JsonObject } from '../protocol/wire/json-value'
import { RtcLink } from './rtc-link'

/** How long a dial may take at the bridge (its own TCP connect timeout is shorter). */
const DIAL_ANSWER_MS = 30_000

/** One relayed connection's data channel, and the hold the bridge puts on our sending. */
export interface BridgedChannel {
  readonly channel: RTCDataChannel
  readonly holdSending: () => Promise<void> | undefined
}

export interface BridgeClientOptions {
  readonly iceServers: readonly RTCIceServer[]
  readonly sendSignal: (signal: JsonObject) => void
  /** An inbound TCP connection for `id`, relayed on `bridged`. */
  readonly onIncoming: (id: string, source: string, bridged: BridgedChannel) => void
  readonly log?: (message: string) => void
}

export class BridgeClient {
  private readonly link: RtcLink
  /** Resolves with the bridge's inbound address (or null) once it said hello. */
  readonly ready: Promise<string | null>
  /** Settles when the connection to the bridge is gone. */
  readonly closed: Promise<void>
  private readonly dials = new Map<number, (error: string | undefined) => void>()
  private readonly holds = new Map<number, { promise: Promise<void>; release: () => void }>()
  private nextDial = FIRST_DIAL_CHANNEL

  constructor(private readonly options: BridgeClientOptions) {
    this.link = new RtcLink({
      initiator: true,
      iceServers: options.iceServers,
      sendSignal: options.sendSignal,
    })
    // RtcLink's own channel (id CONTROL_CHANNEL_ID) is the control channel.
    const control = this.link.channel
    let hello: (inbound: string | null) => void = () => {}
    this.ready = new Promise((resolve) => (hello = resolve))
    this.closed = new Promise((resolve) => {
      control.addEventListener('close', () => resolve())
      this.link.opened.catch(() => resolve())
    })
    void this.closed.then(() => {
      for (const answer of this.dials.values()) answer('the bridge connection closed')
      this.link.destroy()
    })
    control.addEventListener('message', (event: MessageEvent<unknown>) => {
      try {
        if (typeof event.data !== 'string') throw new Error('a binary message on the control channel')
        const message = parseBridgeMessage(event.data)
        if (message.type === 'hello') hello(message.inbound)
        else this.handle(message)
      } catch (err) {
        options.log?.(`bridge: ${(err as Error).message}`)
        this.destroy()
      }
    })
  }

  private handle(message: BridgeMessage): void {
    switch (message.type) {
      case 'dialed':
        this.dials.get(message.channel)?.(message.error)
        return
      case 'incoming': {
        const bridged = this.bridged(message.channel, 'tcp')
        this.send({ type: 'accepted', channel: message.channel })
        this.options.onIncoming(message.id, message.source, bridged)
        return
      }
      case 'pause':
        if (!this.holds.has(message.channel)) {
          let release: () => void = () => {}
          const promise = new Promise<void>((resolve) => (release = resolve))
          this.holds.set(message.channel, { promise, release })
        }
        return
      case 'resume':
        this.holds.get(message.channel)?.release()
        this.holds.delete(message.channel)
        return
      default:
        throw new Error(`${message.type} is not for a browser`)
    }
  }

  private send(message: BridgeMessage): void {
    if (this.link.channel.readyState === 'open') this.link.channel.send(encodeBridgeMessage(message))
  }

  private bridged(id: number, label: string): BridgedChannel {
    const channel = this.link.openChannel(id, label)
    channel.addEventListener('close', () => {
      this.holds.get(id)?.release()
      this.holds.delete(id)
    })
    return { channel, holdSending: () => this.holds.get(id)?.promise }
  }

  /** The signals of our WebRTC connection to the bridge. */
  signal(signal: JsonObject): void {
    this.link.signal(signal)
  }

  /** Tells the bridge our complete set of IDs; `inbound` asks for TCP peers' connections to them. */
  watch(ids: readonly string[], inbound: boolean): void {
    this.send({ type: 'watch', ids: [...ids], inbound })
  }

  /** Asks the bridge to open TCP to `address`, which the tracker published for `id`. */
  async dial(id: string, address: string): Promise<BridgedChannel> {
    const channel = this.nextDial
    this.nextDial = channel + 2 > MAX_CHANNEL_ID ? FIRST_DIAL_CHANNEL : channel + 2
    const error = await new Promise<string | undefined>((resolve) => {
      const timer = setTimeout(() => resolve('the bridge did not answer'), DIAL_ANSWER_MS)
      this.dials.set(channel, (err) => {
        clearTimeout(timer)
        resolve(err)
      })
      this.send({ type: 'dial', channel, id, address })
    })
    this.dials.delete(channel)
    if (error !== undefined) throw new Error(`the bridge refused ${address}: ${error}`)
    return this.bridged(channel, 'tcp')
  }

  destroy(): void {
    this.link.destroy()
  }
}
