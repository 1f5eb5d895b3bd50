/**
 * The one file that knows simple-peer: a WebRTC connection to one peer, set up with signals that
 * travel through the tracker's relay. simple-peer negotiates the connection; the bytes go over a
 * data channel of our own, created on both sides with a fixed id (`negotiated`), so that
 * simple-peer's stream layer never buffers them and whoever reads the channel sees its real
 * back-pressure (`bufferedAmount`). The channel exists from the constructor on, so that it can be
 * transferred to the engine's worker in the task that created it (src/net/channel-handover.ts).
 */
import './node-globals'
import SimplePeer from 'simple-peer'
import { isRelayed, type StatsEntry } from './ice-stats'
import type { JsonObject } from '../protocol/wire/json-value'

/** Both sides create the channel with this id; simple-peer's own channel gets a low one. */
const CHANNEL_ID = 1000
const CHANNEL_LABEL = 'clearskies'
/** How long ICE and DTLS may take before the attempt is abandoned. */
export const CONNECT_TIMEOUT_MS = 30_000

export interface RtcLinkOptions {
  readonly initiator: boolean
  readonly iceServers: readonly RTCIceServer[]
  readonly sendSignal: (signal: JsonObject) => void
}

export class RtcLink {
  readonly channel: RTCDataChannel
  /**
   * Resolves when the connection is up (simple-peer's own channel, on the same SCTP association as
   * ours, is open; ours may have gone to the worker, where the page hears none of its events);
   * rejects if the connection fails first.
   */
  readonly opened: Promise<void>
  private readonly peer: SimplePeer.Instance
  private readonly pc: RTCPeerConnection
  private destroyed = false

  constructor(options: RtcLinkOptions) {
    this.peer = new SimplePeer({
      initiator: options.initiator,
      trickle: true,
      config: { iceServers: [...options.iceServers] },
    })
    // simple-peer creates its RTCPeerConnection in the constructor; its typings do not show it.
    this.pc = (this.peer as unknown as { _pc: RTCPeerConnection })._pc
    this.channel = this.pc.createDataChannel(CHANNEL_LABEL, {
      negotiated: true,
      id: CHANNEL_ID,
      ordered: true,
    })
    this.channel.binaryType = 'arraybuffer'
    this.peer.on('signal', (data: unknown) => options.sendSignal(data as JsonObject))
    this.opened = new Promise((resolve, reject) => {
      const timer = setTimeout(
        () =>
          reject(
            new Error(
              'the WebRTC connection did not open in time (blocked by a firewall? try a TURN server in Settings)',
            ),
          ),
        CONNECT_TIMEOUT_MS,
      )
      const fail = (err: Error): void => {
        clearTimeout(timer)
        reject(err)
      }
      this.peer.on('error', fail)
      this.peer.on('close', () => fail(new Error('the WebRTC connection closed')))
      const open = (): void => {
        clearTimeout(timer)
        resolve()
      }
      this.peer.on('connect', open)
      this.channel.addEventListener('open', open)
    })
    this.opened.catch(() => this.destroy())
  }

  /** Another data channel, which the other side creates with the same id (the bridge's relay channels). */
  openChannel(id: number, label: string): RTCDataChannel {
    const channel = this.pc.createDataChannel(label, { negotiated: true, id, ordered: true })
    channel.binaryType = 'arraybuffer'
    return channel
  }

  /** Whether the connection runs through a TURN relay (asked once it is open). */
  async relayed(): Promise<boolean> {
    const report = await this.pc.getStats()
    return isRelayed(report.values() as Iterable<StatsEntry>)
  }

  /** A signal from the other side (offer, answer or ICE candidate). */
  signal(data: JsonObject): void {
    if (!this.destroyed) this.peer.signal(data as unknown as SimplePeer.SignalData)
  }

  destroy(): void {
    if (this.destroyed) return
    this.destroyed = true
    this.channel.close()
    this.peer.destroy()
  }
}
