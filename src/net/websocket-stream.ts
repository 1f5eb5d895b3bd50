/**
 * A ByteStream over a WebSocket of binary messages: how the page reaches the tracker on the
 * signaling server (`/tracker`). Writes wait while the socket buffers more than a high-water
 * mark; the tracker's messages are small, so reads are simply queued.
 */
import { StreamClosedError, type ByteStream } from '../protocol/stream/byte-stream'
import { ChunkQueue } from '../protocol/stream/chunk-queue'

const HIGH_WATER_BYTES = 256 * 1024
const DRAIN_POLL_MS = 20
/** The tracker's messages are bounded (1 MiB); a server flooding us is cut off. */
const MAX_QUEUED_BYTES = 4 * 1024 * 1024

export function openWebSocketStream(url: string): Promise<ByteStream> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url)
    socket.binaryType = 'arraybuffer'
    const incoming = new ChunkQueue(MAX_QUEUED_BYTES)
    let settle: (err: Error | undefined) => void = () => {}
    const closed = new Promise<Error | undefined>((r) => (settle = r))
    let failure: Error | undefined

    /** Writes waiting for room go in call order. */
    let writes: Promise<unknown> = Promise.resolve()

    socket.onopen = () => {
      resolve({
        read: () => incoming.pull(),
        write(chunk) {
          const write = writes.then(async () => {
            if (failure || socket.readyState !== WebSocket.OPEN) throw new StreamClosedError(failure)
            while (socket.bufferedAmount > HIGH_WATER_BYTES)
              await new Promise((r) => setTimeout(r, DRAIN_POLL_MS))
            socket.send(chunk as Uint8Array<ArrayBuffer>)
          })
          writes = write.catch(() => undefined)
          return write
        },
        async end() {
          socket.close(1000)
        },
        close(err) {
          failure ??= err
          socket.close(err ? 4000 : 1000, err?.message.slice(0, 120))
        },
        closed,
      })
    }
    socket.onmessage = (event: MessageEvent<unknown>) => {
      if (!(event.data instanceof ArrayBuffer)) return void socket.close(1003, 'binary messages only')
      if (incoming.bufferedBytes > MAX_QUEUED_BYTES) return void socket.close(1009, 'too much unread data')
      void incoming.push(new Uint8Array(event.data)).catch(() => undefined)
    }
    socket.onerror = () => {
      failure ??= new Error(`cannot reach the signaling server at ${url}`)
    }
    socket.onclose = (event) => {
      const err =
        failure ??
        (event.code === 1000
          ? undefined
          : new Error(`signaling server closed the connection (${event.code} ${event.reason})`))
      if (err) incoming.fail(err)
      else incoming.end()
      settle(err)
      reject(err ?? new Error(`cannot reach the signaling server at ${url}`))
    }
  })
}
