/**
 * The bridge's WebRTC: node-datachannel's RTCPeerConnection polyfill under simple-peer, answering
 * the offers browsers send through the tracker's signal relay. The control channel and every relay
 * channel are created on both sides with agreed ids (`negotiated`), so simple-peer's own channel
 * and its stream layer carry nothing.
 */
import SimplePeer from 'simple-peer'
import * as polyfill from 'node-datachannel/polyfill'
import type { JsonObject } from '../src/protocol/wire/json-value'

/** How long ICE and DTLS may take before a browser's attempt is abandoned. */
const CONNECT_TIMEOUT_MS = 30_000

/**
 * simple-peer rewrites `offer.sdp` in place (for its sdpTransform), and the polyfill's
 * RTCSessionDescription only has getters: hand it plain objects.
 */
class PlainSdpPeerConnection extends polyfill.RTCPeerConnection {
  override async createOffer(): Promise<RTCSessionDescriptionInit> {
    const { type, sdp } = await super.createOffer()
    return { type, sdp }
  }

  override async createAnswer(): Promise<RTCSessionDescriptionInit> {
    const { type, sdp } = await super.createAnswer()
    return { type, sdp }
  }
}
type RTCSessionDescriptionInit = { type: polyfill.RTCSessionDescription['type']; sdp: string }

const wrtc = { ...polyfill, RTCPeerConnection: PlainSdpPeerConnection }

export type NodeDataChannel = polyfill.RTCDataChannel

export interface RtcPeerOptions {
  /** The bridge answers; a Node client (the tests, the benchmark) offers. */
  readonly initiator?: boolean
  readonly sendSignal: (signal: JsonObject) => void
  /** The local address ICE binds to (inside the test network namespace: its veth address). */
  readonly bindAddress?: string
  readonly onClose: (reason: string) => void
}

/** One browser's WebRTC connection, answered by the bridge (or a Node client's, offering). */
export class RtcPeer {
  private readonly peer: SimplePeer.Instance
  private readonly pc: polyfill.RTCPeerConnection
  private closed = false
  /**
   * Resolves once ICE, DTLS and SCTP are up. Our channels are created only then: libdatachannel
   * sometimes closes a negotiated channel made before the remote description arrives.
   */
  readonly connected: Promise<void>

  constructor(private readonly options: RtcPeerOptions) {
    const config = { iceServers: [], ...(options.bindAddress ? { bindAddress: options.bindAddress } : {}) }
    this.peer = new SimplePeer({
      initiator: options.initiator ?? false,
      trickle: true,
      wrtc: wrtc as unknown as SimplePeer.Options['wrtc'],
      config: config as unknown as SimplePeer.Options['config'],
    })
    // simple-peer creates its RTCPeerConnection in the constructor; its typings do not show it.
    this.pc = (this.peer as unknown as { _pc: polyfill.RTCPeerConnection })._pc
    this.peer.on('signal', (data: unknown) => options.sendSignal(data as JsonObject))
    this.peer.on('error', (err: Error) => this.close(err.message))
    this.peer.on('close', () => this.close('the WebRTC connection closed'))
    const timer = setTimeout(
      () => this.close('the WebRTC connection did not open in time'),
      CONNECT_TIMEOUT_MS,
    )
    this.connected = new Promise((resolve) =>
      this.peer.on('connect', () => {
        clearTimeout(timer)
        resolve()
      }),
    )
  }

  /** A data channel with an agreed id; the browser creates its end with the same id. */
  channel(id: number, label: string): NodeDataChannel {
    const channel = this.pc.createDataChannel(label, { negotiated: true, id, ordered: true })
    channel.binaryType = 'arraybuffer'
    return channel
  }

  /** A signal the peer connection refuses outright (a malformed candidate) ends this attempt; it never throws. */
  signal(data: JsonObject): void {
    if (this.closed) return
    try {
      this.peer.signal(data as unknown as SimplePeer.SignalData)
    } catch (err) {
      this.close(`bad signal: ${err instanceof Error ? err.message : String(err)}`)
    }
  }

  close(reason: string): void {
    if (this.closed) return
    this.closed = true
    this.peer.destroy()
    this.options.onClose(reason)
  }
}
