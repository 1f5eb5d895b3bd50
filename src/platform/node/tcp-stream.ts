/**
 * TCP sockets as ByteStreams (src/protocol/stream/byte-stream.ts), for the daemon, the bridge, the
 * CLI and the tests. Back-pressure both ways: the socket is paused while more than the high-water
 * mark of received bytes waits for `read()`, and `write()` resolves only once the chunk has been
 * written to the socket (so its writer may reuse it). Sockets are half-open, so `end()` is a
 * half-close.
 */
import net from 'node:net'
import type { ByteStream } from '../../protocol/stream/byte-stream'
import { ChunkQueue } from '../../protocol/stream/chunk-queue'

const DEFAULT_HIGH_WATER_MARK_BYTES = 1024 * 1024

export interface TcpByteStream extends ByteStream {
  /** `address:port` of the other end, for logs. */
  readonly remote: string
  /** The other end's address alone: the source for per-source rate limiting. */
  readonly remoteAddress: string
}

/** Wraps a connected socket. The socket should be half-open (`allowHalfOpen: true`). */
export function tcpStream(
  socket: net.Socket,
  highWaterMarkBytes = DEFAULT_HIGH_WATER_MARK_BYTES,
): TcpByteStream {
  const incoming = new ChunkQueue(highWaterMarkBytes)
  let failure: Error | undefined
  let settle: (err: Error | undefined) => void = () => {}
  const closed = new Promise<Error | undefined>((resolve) => (settle = resolve))

  socket.setNoDelay(true)
  socket.on('data', (chunk: Buffer) => {
    const view = new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength)
    const accepted = incoming.push(view)
    // Over the mark: stop reading from the socket until the consumer catches up.
    if (incoming.bufferedBytes >= highWaterMarkBytes) {
      socket.pause()
      accepted.then(
        () => socket.resume(),
        () => {},
      )
    }
  })
  let peerEnded = false
  socket.on('end', () => {
    peerEnded = true
    incoming.end()
  })
  socket.on('error', (err) => {
    failure ??= err
    incoming.fail(err)
  })
  socket.on('close', () => {
    // After a clean end, what was received stays readable; otherwise pending reads fail.
    if (failure || !peerEnded) incoming.fail(failure ?? new Error('socket closed'))
    settle(failure)
  })

  return {
    remote: `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`,
    remoteAddress: socket.remoteAddress ?? '?',
    closed,
    read: () => incoming.pull(),
    write(chunk) {
      if (socket.destroyed || socket.writableEnded) {
        return Promise.reject(
          new Error(failure ? `socket closed: ${failure.message}` : 'socket is not writable'),
        )
      }
      // Resolved by the write's callback: the bytes are then the kernel's (`releasesWrites`), and
      // the socket's own buffer has drained below its mark whenever it took more than that.
      return new Promise<void>((resolve, reject) => {
        socket.write(chunk, (err) => {
          if (err) reject(new Error(`socket write failed: ${err.message}`, { cause: err }))
          // A socket destroyed meanwhile calls back without an error, its bytes maybe unsent.
          else if (socket.destroyed) reject(new Error('socket closed before the write completed'))
          else resolve()
        })
      })
    },
    releasesWrites: true,
    end() {
      return new Promise<void>((resolve) => {
        if (socket.destroyed || socket.writableEnded) resolve()
        else socket.end(resolve)
      })
    },
    close(err) {
      failure ??= err
      socket.destroy()
    },
  }
}

/** Linux retries an unanswered SYN for about two minutes; a dialler has other addresses to try. */
const DEFAULT_CONNECT_TIMEOUT_MS = 10_000

export class ConnectTimeoutError extends Error {
  readonly code = 'ETIMEDOUT'
}

export interface ConnectTcpOptions {
  readonly timeoutMs?: number
}

/** Connects to host:port and resolves once connected, or rejects after the timeout. */
export async function connectTcp(
  host: string,
  port: number,
  options?: ConnectTcpOptions,
): Promise<TcpByteStream> {
  return tcpStream(await connectSocket(host, port, options))
}

/** `connectTcp`'s socket itself (half-open), for a caller that pipes it rather than reading a ByteStream. */
export function connectSocket(
  host: string,
  port: number,
  { timeoutMs = DEFAULT_CONNECT_TIMEOUT_MS }: ConnectTcpOptions = {},
): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port, allowHalfOpen: true })
    const timer = setTimeout(() => {
      socket.destroy()
      const where = `${host.includes(':') ? `[${host}]` : host}:${port}`
      reject(new ConnectTimeoutError(`connecting to ${where} timed out after ${timeoutMs} ms`))
    }, timeoutMs)
    const fail = (err: Error): void => {
      clearTimeout(timer)
      reject(err)
    }
    socket.once('error', fail)
    socket.once('connect', () => {
      clearTimeout(timer)
      socket.off('error', fail)
      resolve(socket)
    })
  })
}

export interface TcpListener {
  readonly port: number
  /** Stops listening and destroys every open connection. */
  close(): Promise<void>
}

/** Listens on host:port (port 0 picks one) and hands each connection to `onConnection`. */
export function listenTcp(
  host: string,
  port: number,
  onConnection: (stream: TcpByteStream) => void,
): Promise<TcpListener> {
  const sockets = new Set<net.Socket>()
  const server = net.createServer({ allowHalfOpen: true }, (socket) => {
    sockets.add(socket)
    socket.once('close', () => sockets.delete(socket))
    onConnection(tcpStream(socket))
  })
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host, () => {
      server.off('error', reject)
      const address = server.address()
      resolve({
        port: typeof address === 'object' && address ? address.port : port,
        close: () =>
          new Promise<void>((done) => {
            for (const s of sockets) s.destroy()
            server.close(() => done())
          }),
      })
    })
  })
}
