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

/** Received bytes waiting for `read()`, and when the socket must stop reading. */
class Inbox {
  readonly queue: ChunkQueue
  /** Resumed once the queue drains below its mark; set when the socket exists. */
  socket: net.Socket | undefined

  constructor(private readonly highWaterMarkBytes: number) {
    this.queue = new ChunkQueue(highWaterMarkBytes)
  }

  /** Queues `view`; false when the queue is over its mark, and the socket must pause until it drains. */
  take(view: Uint8Array): boolean {
    const accepted = this.queue.push(view)
    if (this.queue.bufferedBytes < this.highWaterMarkBytes) return true
    accepted.then(
      () => this.socket?.resume(),
      () => {},
    )
    return false
  }
}

/** Each read is offered at least this much, as Node's own reads are. */
const MIN_READ_BYTES = 64 * 1024
const SMALL_SLAB_BYTES = 128 * 1024
const LARGE_SLAB_BYTES = 1024 * 1024
/** A read this long means bulk data: the next slab is a large one. */
const BULK_READ_BYTES = 32 * 1024

/**
 * Node's 'data' events read at most 64 KiB at a time, each into a buffer of its own: receiving
 * 1 GiB on loopback took 16,384 reads, each with its allocation and a trip through the stream
 * machinery. Reading instead into the free end of a larger slab (net.Socket's `onread`) lets one
 * read take whatever the kernel holds: about 1,300 reads a GiB, and the CPU of both ends of the
 * transfer down by a third (bench/tcp: 345 ms a GiB against 523). The views handed on are never
 * written again: a slab is replaced when less than a read's worth is left, never reused, and goes
 * when its last view does.
 * A connection that only trickles (keep-alives) gets small slabs, so an idle one holds 128 KiB.
 *
 * Node takes `onread` only when it makes the socket, so only the sockets we dial read this way;
 * accepted ones, made by net.Server, keep 'data' events.
 */
function slabReads(inbox: Inbox): net.OnReadOpts {
  let slab: Uint8Array = new Uint8Array(0)
  let at = 0
  let lastRead = 0
  return {
    buffer() {
      if (slab.byteLength - at < MIN_READ_BYTES) {
        // Uninitialised: only bytes the kernel has written are ever handed on, and zeroing
        // every byte received first would be one more pass over them.
        slab = Buffer.allocUnsafeSlow(lastRead >= BULK_READ_BYTES ? LARGE_SLAB_BYTES : SMALL_SLAB_BYTES)
        at = 0
      }
      return slab.subarray(at)
    },
    callback(bytes, buffer) {
      at += bytes
      lastRead = bytes
      return inbox.take(buffer.subarray(0, bytes))
    },
  }
}

/** Wraps a connected socket. The socket should be half-open (`allowHalfOpen: true`). */
export function tcpStream(
  socket: net.Socket,
  highWaterMarkBytes = DEFAULT_HIGH_WATER_MARK_BYTES,
): TcpByteStream {
  const inbox = new Inbox(highWaterMarkBytes)
  socket.on('data', (chunk: Buffer) => {
    if (!inbox.take(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength))) socket.pause()
  })
  return wrapSocket(socket, inbox)
}

function wrapSocket(socket: net.Socket, inbox: Inbox): TcpByteStream {
  const incoming = inbox.queue
  inbox.socket = socket
  let failure: Error | undefined
  let settle: (err: Error | undefined) => void = () => {}
  const closed = new Promise<Error | undefined>((resolve) => (settle = resolve))

  socket.setNoDelay(true)
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
  const inbox = new Inbox(DEFAULT_HIGH_WATER_MARK_BYTES)
  return wrapSocket(await connectSocket(host, port, options, slabReads(inbox)), inbox)
}

/**
 * `connectTcp`'s socket itself (half-open), for a caller that pipes it rather than reading a
 * ByteStream; `onread` takes its bytes instead of its stream.
 */
export function connectSocket(
  host: string,
  port: number,
  { timeoutMs = DEFAULT_CONNECT_TIMEOUT_MS }: ConnectTcpOptions = {},
  onread?: net.OnReadOpts,
): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port, allowHalfOpen: true, ...(onread && { onread }) })
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
