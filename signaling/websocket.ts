/**
 * The tracker over WebSocket, for browsers: `ws[s]://HOST/tracker`. The binary messages of one
 * connection carry the ClearSkies wire byte stream, so the same framing and the same client run
 * over WebSocket and TCP. We send exactly one wire message per WebSocket message; we accept
 * messages split or joined across WebSocket messages. Text messages are refused.
 */
import type { IncomingMessage } from 'node:http'
import type { Duplex } from 'node:stream'
import { WebSocketServer, type RawData, type WebSocket } from 'ws'
import type { CloseCode, CloseReason, Link, LinkPeer } from './link'
import { formatRemoteAddress } from './link'

export const TRACKER_PATH = '/tracker'

/** Room for a length header and whitespace around the largest body, in one WebSocket message. */
const FRAME_OVERHEAD_BYTES = 64
/** RFC 6455 section 5.5: a close frame's payload is at most 125 bytes, 2 of them the code. */
const MAX_CLOSE_REASON_BYTES = 123
/** How long a closing client has to answer our close frame before the socket is cut. */
const CLOSE_GRACE_MS = 2000

/** RFC 6455 section 7.4.1 status codes for our reasons. */
const CLOSE_STATUS: Record<CloseCode, number> = {
  framing: 1002,
  message: 1007,
  protocol: 1002,
  rate: 1008,
  limit: 1009,
  ttl: 1001,
  slow: 1008,
  shutdown: 1001,
  hangup: 1000,
  unavailable: 1011,
  forbidden: 1008,
}
const UNSUPPORTED_DATA = 1003

export interface WebSocketEndpointOptions {
  maxMessageBytes: number
  trustProxy: boolean
  /** Decides whether a new client may connect: undefined to admit, else the HTTP status and reason. */
  admit: (address: string) => { status: number; text: string } | undefined
  /**
   * Reads the upgrade's `Authorization` header: whether the client is the bridge, or the HTTP
   * status and reason that refuse it (a token that is wrong, or that this server does not take).
   */
  authorize: (
    authorization: string | undefined,
    address: string,
  ) => { bridge: boolean } | { status: number; text: string }
  /** Called once per admitted connection; returns the receiver of its bytes and of its hang-up. */
  connect: (link: Link) => LinkPeer
}

export function createWebSocketEndpoint(options: WebSocketEndpointOptions): {
  handleUpgrade: (req: IncomingMessage, socket: Duplex, head: Buffer) => void
  close: () => void
} {
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: options.maxMessageBytes + FRAME_OVERHEAD_BYTES,
    // Compression would cost a zlib context per client (10,000 clients) for small JSON messages.
    perMessageDeflate: false,
    clientTracking: false,
  })

  const handleUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    const path = (req.url ?? '').split('?')[0]
    if (path !== TRACKER_PATH) return rejectUpgrade(socket, 404, 'Not Found')
    const address = clientAddress(req, options.trustProxy)
    const refusal = options.admit(address)
    if (refusal) return rejectUpgrade(socket, refusal.status, refusal.text)
    const auth = options.authorize(req.headers.authorization, address)
    if (!('bridge' in auth)) return rejectUpgrade(socket, auth.status, auth.text)
    wss.handleUpgrade(req, socket, head, (ws) => attach(ws, address, auth.bridge))
  }

  const attach = (ws: WebSocket, address: string, bridge: boolean): void => {
    const link: Link = {
      transport: 'websocket',
      remoteAddress: address,
      bridge,
      send: (bytes) => ws.send(bytes, { binary: true }),
      bufferedBytes: () => ws.bufferedAmount,
      close: (reason) => closeWebSocket(ws, reason),
    }
    const peer = options.connect(link)
    ws.on('message', (data: RawData, isBinary: boolean) => {
      if (!isBinary)
        return closeWebSocket(
          ws,
          { code: 'framing', text: 'text messages are not accepted: send the wire bytes as binary' },
          UNSUPPORTED_DATA,
        )
      peer.receive(toBytes(data))
    })
    ws.on('error', () => ws.terminate()) // ws then emits close; the reason is already in the session's log
    ws.on('close', () => peer.hangUp())
  }

  return { handleUpgrade, close: () => wss.close() }
}

function closeWebSocket(ws: WebSocket, reason: CloseReason, status = CLOSE_STATUS[reason.code]): void {
  if (ws.readyState === ws.CLOSING || ws.readyState === ws.CLOSED) return
  ws.close(status, truncateUtf8(`${reason.code}: ${reason.text}`, MAX_CLOSE_REASON_BYTES))
  setTimeout(() => ws.terminate(), CLOSE_GRACE_MS).unref()
}

function rejectUpgrade(socket: Duplex, status: number, text: string): void {
  socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`)
}

/**
 * The client's address; behind a trusted proxy, the last X-Forwarded-For entry. The proxy appends
 * the address it saw to whatever the client sent, so every earlier entry is the client's own
 * choice, and limits and bans keyed on it could be dodged with a made-up header. Repeated headers
 * are read in order, the proxy's line last.
 */
function clientAddress(req: IncomingMessage, trustProxy: boolean): string {
  const forwarded = req.headers['x-forwarded-for']
  const entries = (Array.isArray(forwarded) ? forwarded.join(',') : (forwarded ?? '')).split(',')
  const last = entries[entries.length - 1]?.trim()
  return formatRemoteAddress(trustProxy && last ? last : req.socket.remoteAddress)
}

function toBytes(data: RawData): Uint8Array {
  if (Array.isArray(data)) return Buffer.concat(data)
  return data instanceof ArrayBuffer ? new Uint8Array(data) : data
}

function truncateUtf8(text: string, maxBytes: number): string {
  let out = text
  while (Buffer.byteLength(out) > maxBytes) out = out.slice(0, -1)
  return out
}
