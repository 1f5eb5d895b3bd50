/**
 * One relayed connection: a browser's data channel on one side, a TCP socket on the other; bytes
 * pass through unchanged (they are TLS records the bridge cannot read). The data channel
 * convention is the page pump's (src/net/data-channel-pump.ts): an empty message is a half-close.
 *
 * Back-pressure both ways. TCP -> browser: the socket is paused while the channel buffers more than
 * HIGH_WATER_BYTES, until `bufferedamountlow`. Browser -> TCP: a data channel cannot stop
 * receiving, so the bridge asks the browser to hold off (`pause`, then `resume` on the control
 * channel) while the socket's buffer is over the mark; what is in flight meanwhile is bounded by
 * the mark plus the browser channel's own high water. The per-browser RateLimiter adds waits the
 * same two ways. A connection silent both ways for `idleMs` is closed (ClearSkies pings far more
 * often).
 */
import type net from 'node:net'

export const HIGH_WATER_BYTES = 1024 * 1024
export const LOW_WATER_BYTES = 256 * 1024
/** libdatachannel's and the browsers' safe message size. */
export const MAX_MESSAGE_BYTES = 64 * 1024
const CLOSE_AFTER_END_MS = 30_000
/**
 * Bytes for the TCP side the bridge holds at most. A page that obeys `pause` stays far below it
 * (the socket's mark, plus what its channel had buffered: 4 MiB); one that ignores it is cut off.
 */
export const MAX_UNSENT_TO_TCP_BYTES = 16 * 1024 * 1024

/** What the relay uses of an RTCDataChannel (node-datachannel's polyfill, or a fake in tests). */
export interface RelayChannel {
  readonly readyState: string
  readonly bufferedAmount: number
  bufferedAmountLowThreshold: number
  send(data: Uint8Array): void
  close(): void
  addEventListener(
    type: 'open' | 'message' | 'close' | 'bufferedamountlow' | 'error',
    listener: (event: Event) => void,
  ): void
}

export interface RelayOptions {
  readonly idleMs: number
  /** Milliseconds to wait after moving `bytes` (the per-browser bandwidth limit). */
  readonly throttle: (bytes: number) => number
  /** Tells the browser to stop (true) or go on (false) sending on this channel. */
  readonly holdBrowser: (hold: boolean) => void
  /** Sees every relayed byte (tests check no plaintext passes). */
  readonly tap?: (direction: 'to-tcp' | 'to-browser', bytes: Uint8Array) => void
  /** Bytes already read from the socket (an inbound ClientHello), sent first. */
  readonly head?: Uint8Array
}

/** Runs the relay; resolves with why it ended once both sides are closed. */
export function relay(channel: RelayChannel, socket: net.Socket, options: RelayOptions): Promise<string> {
  return new Promise((resolve) => {
    let ended = false
    let idle: ReturnType<typeof setTimeout> | undefined
    const finish = (reason: string, graceful = false): void => {
      if (ended) return
      ended = true
      clearTimeout(idle)
      socket.destroy()
      // After both ends, the browser's pump closes the channel once our end has reached it; closing
      // here could reset the stream under messages still in flight. It gets a while to do so.
      if (graceful) {
        const timer = setTimeout(() => channel.close(), CLOSE_AFTER_END_MS)
        channel.addEventListener('close', () => clearTimeout(timer))
      } else channel.close()
      resolve(reason)
    }
    const touch = (): void => {
      clearTimeout(idle)
      idle = setTimeout(() => finish(`idle for ${options.idleMs} ms`), options.idleMs)
    }
    touch()

    // Browser -> TCP, holding the browser off while the socket is full or over the budget.
    const holds = new Set<'full' | 'budget'>()
    const hold = (reason: 'full' | 'budget', on: boolean): void => {
      const before = holds.size > 0
      if (on) holds.add(reason)
      else holds.delete(reason)
      if (before !== holds.size > 0) options.holdBrowser(holds.size > 0)
    }
    let browserEnded = false
    let tcpEnded = false
    channel.addEventListener('message', (event) => {
      const data = (event as Event & { data?: unknown }).data
      if (!(data instanceof ArrayBuffer)) return finish('a text message on a relay channel')
      touch()
      if (data.byteLength === 0) {
        browserEnded = true
        socket.end()
        if (tcpEnded) finish('both sides ended', true)
        return
      }
      const bytes = new Uint8Array(data)
      options.tap?.('to-tcp', bytes)
      if (!socket.write(bytes)) hold('full', true)
      if (socket.writableLength > MAX_UNSENT_TO_TCP_BYTES)
        return finish(`the browser did not hold off: over ${MAX_UNSENT_TO_TCP_BYTES} bytes unsent to TCP`)
      const wait = options.throttle(bytes.byteLength)
      if (wait > 0) {
        hold('budget', true)
        setTimeout(() => hold('budget', false), wait)
      }
    })
    socket.on('drain', () => hold('full', false))

    // TCP -> browser, pausing the socket while the channel buffers too much or the budget is spent.
    channel.bufferedAmountLowThreshold = LOW_WATER_BYTES
    let waiting = false
    const resumeWhenReady = (): void => {
      if (waiting || channel.bufferedAmount > HIGH_WATER_BYTES) return
      socket.resume()
    }
    channel.addEventListener('bufferedamountlow', resumeWhenReady)
    const onData = (chunk: Buffer): void => {
      touch()
      options.tap?.('to-browser', chunk)
      try {
        for (let at = 0; at < chunk.byteLength; at += MAX_MESSAGE_BYTES)
          channel.send(chunk.subarray(at, at + MAX_MESSAGE_BYTES))
      } catch (err) {
        return finish(`the data channel refused bytes: ${(err as Error).message}`)
      }
      const wait = options.throttle(chunk.byteLength)
      if (wait > 0) {
        waiting = true
        socket.pause()
        setTimeout(() => {
          waiting = false
          resumeWhenReady()
        }, wait)
      } else if (channel.bufferedAmount > HIGH_WATER_BYTES) socket.pause()
    }
    const onEnd = (): void => {
      tcpEnded = true
      try {
        channel.send(new Uint8Array(0))
      } catch {
        return finish('the data channel closed')
      }
      if (browserEnded) finish('both sides ended', true)
    }
    socket.on('error', (err) => finish(`TCP: ${err.message}`))
    socket.on('close', () => finish('the TCP connection closed'))
    // A channel just created opens a moment later, and sending before that would throw: the
    // socket's bytes and end are taken only then. A socket that was read to route it was paused,
    // and a listener alone does not restart it.
    const start = (): void => {
      if (ended) return
      if (options.head) {
        options.tap?.('to-browser', options.head)
        channel.send(options.head)
      }
      socket.on('data', onData)
      socket.on('end', onEnd)
      // A paused socket still reports its end, so the end may have come and gone already.
      if (socket.readableEnded) onEnd()
      else socket.resume()
    }
    if (channel.readyState === 'open') start()
    else channel.addEventListener('open', start)
    channel.addEventListener('close', () => finish('the data channel closed'))
    channel.addEventListener('error', () => finish('the data channel failed'))
  })
}
