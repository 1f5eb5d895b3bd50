/**
 * How a WebRTC link's data channel reaches the engine's worker. Where the browser can transfer an
 * RTCDataChannel (Chromium: only in the task that created it, before any send), the channel itself
 * goes to the worker, which reads and writes it there: no byte of the link crosses the page's main
 * thread or a MessagePort (bench/browser/profile.ts). Elsewhere the page pumps it through a
 * MessagePort (data-channel-pump.ts), attached just as early, so no message can arrive unheard.
 */
import { transfer, type Remote } from 'comlink'
import type { EngineHost, LinkTransport } from '../platform/browser/engine-host'
import { pumpDataChannel, type ChannelPump } from './data-channel-pump'

export interface ChannelHandover {
  /**
   * What the worker's `connectOver` / `accept` take for this channel (marked for comlink to
   * transfer the port, if it is one); settles once decided. Pass it on once.
   */
  readonly transport: Promise<LinkTransport>
  /** The link will not run (it failed to connect): let go of the channel wherever it is. */
  release(): void
}

let nextKey = 1

/**
 * Hands `channel` to the worker, or to a pump when the browser refuses the transfer. Call it in the
 * task that created the channel: later, Chromium no longer lets it go.
 */
export function handOverChannel(host: Remote<EngineHost>, channel: RTCDataChannel): ChannelHandover {
  const key = `channel-${nextKey++}`
  let pump: ChannelPump | undefined
  let released = false
  // comlink posts synchronously: a browser that cannot transfer the channel throws there, which
  // rejects this call before any of the channel's events (each a task of its own) can fire.
  const transport = host.adoptChannel(key, transfer(channel, [channel])).then(
    (): LinkTransport => ({ kind: 'adopted', key }),
    (): LinkTransport => {
      const { port1, port2 } = new MessageChannel()
      pump = pumpDataChannel(channel, port1)
      if (released) pump.close()
      return { kind: 'port', port: port2 }
    },
  )
  return {
    transport: transport.then((t) => transfer(t, t.kind === 'port' ? [t.port] : [])),
    release: () => {
      released = true
      pump?.close()
      void transport.then((t) => {
        if (t.kind === 'adopted') void host.releaseChannel(t.key)
      })
    },
  }
}
