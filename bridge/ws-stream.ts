/**
 * A ByteStream over a `ws` WebSocket: how the bridge reaches the tracker on the signaling server
 * (`/tracker`, binary messages carrying the wire byte stream, docs/protocol-notes/tracker.md).
 * Tracker messages are small and bounded by the client driver; `ws` buffers what we send.
 */
import WebSocket from 'ws'
import { StreamClosedError, type ByteStream } from '../src/protocol/stream/byte-stream'
import { ChunkQueue } from '../src/protocol/stream/chunk-queue'

const MAX_QUEUED_BYTES = 4 * 1024 * 1024

export function openWsStream(url: string): Promise<ByteStream> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url)
    const incoming = new ChunkQueue(MAX_QUEUED_BYTES)
    let failure: Error | undefined
    let settle: (err: Error | undefined) => void = () => {}
    const closed = new Promise<Error | undefined>((r) => (settle = r))
    socket.on('open', () =>
      resolve({
        read: () => incoming.pull(),
        write: (chunk) =>
          new Promise((done, fail) => {
            if (socket.readyState !== WebSocket.OPEN) return fail(new StreamClosedError(failure))
            socket.send(chunk, { binary: true }, (err) => (err ? fail(err) : done()))
          }),
        end: async () => socket.close(1000),
        close(err) {
          failure ??= err
          socket.close(err ? 4000 : 1000, err?.message.slice(0, 120))
        },
        closed,
      }),
    )
    socket.on('message', (data: Buffer, isBinary: boolean) => {
      if (!isBinary) return socket.close(1003, 'binary messages only')
      if (incoming.bufferedBytes > MAX_QUEUED_BYTES) return socket.close(1009, 'too much unread data')
      void incoming.push(new Uint8Array(data.buffer, data.byteOffset, data.byteLength)).catch(() => undefined)
    })
    socket.on('error', (err) => {
      failure ??= err
      reject(err)
    })
    socket.on('close', (code, reason) => {
      const err =
        failure ??
        (code === 1000
          ? undefined
          : new Error(`the signaling server closed the connection (${code} ${reason.toString()})`))
      if (err) incoming.fail(err)
      else incoming.end()
      settle(err)
    })
  })
}
