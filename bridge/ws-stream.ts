/**
 * A ByteStream over a `ws` WebSocket: how the bridge reaches the tracker on the signaling server
 * (`/tracker`, binary messages carrying the wire byte stream, docs/protocol-notes/tracker.md).
 * Tracker messages are small and bounded by the client driver; `ws` buffers what we send.
 */
import WebSocket from 'ws'
import { StreamClosedError, type ByteStream } from '../src/protocol/stream/byte-stream'
import { ChunkQueue } from '../src/protocol/stream/chunk-queue'

const MAX_QUEUED_BYTES = 4 * 1024 * 1024
/**
 * The signaling server must complete the WebSocket upgrade this soon, connect included; otherwise
 * the attempt fails and the caller's reconnect loop goes on (a server that accepts TCP and never
 * answers would stall it forever).
 */
export const WS_HANDSHAKE_TIMEOUT_MS = 12_000

/** The upgrade was answered with an HTTP status instead: 401 means the bridge token was refused. */
export class UpgradeRefusedError extends Error {
  constructor(readonly status: number) {
    super(`the signaling server refused the WebSocket upgrade with HTTP ${status}`)
  }
}

export function openWsStream(
  url: string,
  headers: Readonly<Record<string, string>> = {},
): Promise<ByteStream> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, { headers: { ...headers } })
    const incoming = new ChunkQueue(MAX_QUEUED_BYTES)
    let failure: Error | undefined
    let settle: (err: Error | undefined) => void = () => {}
    const closed = new Promise<Error | undefined>((r) => (settle = r))
    const handshakeTimer = setTimeout(() => {
      const err = new Error(
        `the signaling server did not complete the WebSocket handshake in ${WS_HANDSHAKE_TIMEOUT_MS} ms`,
      )
      failure ??= err
      reject(err)
      socket.terminate()
    }, WS_HANDSHAKE_TIMEOUT_MS)
    socket.on('open', () => {
      clearTimeout(handshakeTimer)
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
      })
    })
    socket.on('unexpected-response', (_req, res) => {
      clearTimeout(handshakeTimer)
      const err = new UpgradeRefusedError(res.statusCode ?? 0)
      failure ??= err
      reject(err)
      res.resume()
      socket.terminate()
    })
    socket.on('message', (data: Buffer, isBinary: boolean) => {
      if (!isBinary) return socket.close(1003, 'binary messages only')
      if (incoming.bufferedBytes > MAX_QUEUED_BYTES) return socket.close(1009, 'too much unread data')
      void incoming.push(new Uint8Array(data.buffer, data.byteOffset, data.byteLength)).catch(() => undefined)
    })
    socket.on('error', (err) => {
      clearTimeout(handshakeTimer)
      failure ??= err
      reject(err)
    })
    socket.on('close', (code, reason) => {
      clearTimeout(handshakeTimer)
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
