/**
 * Unix domain sockets as ByteStreams, for the daemon's control socket (control.md: "the unix socket
 * residing at $XDG_DATA_HOME/clearskies/control"). The stream is tcp-stream's: a net.Socket is a
 * net.Socket, with the same back-pressure and half-close.
 */
import { chmod, unlink } from 'node:fs/promises'
import net from 'node:net'
import { tcpStream, type TcpByteStream } from './tcp-stream'

/** Only the owner may drive the daemon: the socket can create shares and hand out access codes. */
const SOCKET_MODE = 0o600

export interface UnixListener {
  close(): Promise<void>
}

export function connectUnix(path: string): Promise<TcpByteStream> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ path, allowHalfOpen: true })
    socket.once('error', reject)
    socket.once('connect', () => {
      socket.off('error', reject)
      resolve(tcpStream(socket))
    })
  })
}

/** Whether something answers at `path` (a running daemon), as opposed to nothing or a stale file left by a crash. */
export async function socketAnswers(path: string): Promise<boolean> {
  try {
    const stream = await connectUnix(path)
    stream.close()
    return true
  } catch {
    return false
  }
}

export class SocketInUseError extends Error {
  readonly code = 'EADDRINUSE'
}

/**
 * Listens at `path` with mode 0600. A socket file left by a killed process is removed; one that
 * still answers belongs to a running process and is an error.
 */
export async function listenUnix(
  path: string,
  onConnection: (stream: TcpByteStream) => void,
): Promise<UnixListener> {
  if (await socketAnswers(path))
    throw new SocketInUseError(`${path} is in use: another daemon runs with this state folder`)
  await unlink(path).catch(() => {})
  const sockets = new Set<net.Socket>()
  const server = net.createServer({ allowHalfOpen: true }, (socket) => {
    sockets.add(socket)
    socket.once('close', () => sockets.delete(socket))
    onConnection(tcpStream(socket))
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(path, () => {
      server.off('error', reject)
      resolve()
    })
  })
  await chmod(path, SOCKET_MODE)
  return {
    close: () =>
      new Promise<void>((done) => {
        for (const s of sockets) s.destroy()
        server.close(() => done())
      }),
  }
}
