/**
 * The tracker over raw TCP (core.md: "a socket service ... on port 49200"), for daemons and other
 * TCP peers. TCP has no close reason of its own: the reason goes to our log, the client sees EOF.
 */
import { createServer, type Server, type Socket } from 'node:net'
import type { Link, LinkPeer } from './link'
import { formatRemoteAddress } from './link'

/** How long a closing client has to drain before the socket is destroyed. */
const CLOSE_GRACE_MS = 2000

export interface TcpEndpointOptions {
  admit: (address: string) => { text: string } | undefined
  connect: (link: Link) => LinkPeer
}

export function createTcpEndpoint(options: TcpEndpointOptions): Server {
  return createServer((socket: Socket) => {
    const address = formatRemoteAddress(socket.remoteAddress)
    socket.on('error', () => socket.destroy()) // a reset client; 'close' follows
    if (options.admit(address)) return void socket.destroy()
    socket.setNoDelay(true) // signals are small and latency matters more than packet count
    const link: Link = {
      transport: 'tcp',
      remoteAddress: address,
      // The token travels in an HTTP header: the bridge reaches the tracker by WebSocket only.
      bridge: false,
      send: (bytes) => void socket.write(bytes),
      bufferedBytes: () => socket.writableLength,
      close: () => {
        socket.end()
        setTimeout(() => socket.destroy(), CLOSE_GRACE_MS).unref()
      },
    }
    const peer = options.connect(link)
    socket.on('data', (chunk: Buffer) => peer.receive(chunk))
    socket.on('close', () => peer.hangUp())
  })
}
