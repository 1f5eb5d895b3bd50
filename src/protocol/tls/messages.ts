import { ByteReader, ByteWriter } from './bytes'
import { MAX_HANDSHAKE_MESSAGE_BYTES, RANDOM_BYTES, VERIFY_DATA_BYTES } from './constants'
import { TlsError } from './errors'

/**
 * Handshake messages: the framing (RFC 5246 §7.4) with reassembly across records, and the codecs
 * of the messages an SRP handshake uses. Parsing is strict: every vector must be consumed exactly.
 */

export interface HandshakeMessage {
  readonly type: number
  readonly body: Uint8Array
  /** Header and body, as the transcript hashes them. */
  readonly raw: Uint8Array
}

const HANDSHAKE_HEADER_BYTES = 4

/** Collects handshake fragments from records and yields whole messages. */
export class HandshakeReassembler {
  private pending = new Uint8Array(0)

  push(fragment: Uint8Array): void {
    if (this.pending.length === 0) {
      this.pending = fragment.slice()
      return
    }
    const next = new Uint8Array(this.pending.length + fragment.length)
    next.set(this.pending)
    next.set(fragment, this.pending.length)
    this.pending = next
  }

  /** RFC 5246 §7.1: ChangeCipherSpec may only come between whole handshake messages. */
  get empty(): boolean {
    return this.pending.length === 0
  }

  next(): HandshakeMessage | null {
    if (this.pending.length < HANDSHAKE_HEADER_BYTES) return null
    const r = new ByteReader(this.pending)
    const type = r.uint8('handshake type')
    const length = r.uint24('handshake length')
    if (length > MAX_HANDSHAKE_MESSAGE_BYTES) {
      throw new TlsError(
        'ERR_TLS_DECODE',
        `handshake message length ${length} exceeds maximum ${MAX_HANDSHAKE_MESSAGE_BYTES}`,
      )
    }
    const total = HANDSHAKE_HEADER_BYTES + length
    if (this.pending.length < total) return null
    const raw = this.pending.subarray(0, total)
    this.pending = this.pending.subarray(total)
    return { type, body: raw.subarray(HANDSHAKE_HEADER_BYTES), raw }
  }
}

export function encodeHandshake(type: number, body: Uint8Array): Uint8Array {
  return new ByteWriter().uint8(type).uint24(body.length).bytes(body).finish()
}

export type Extensions = ReadonlyMap<number, Uint8Array>

/** RFC 5246 §7.4.1.4: extensions<0..2^16-1>, each type at most once. */
function readExtensions(r: ByteReader): Extensions {
  const map = new Map<number, Uint8Array>()
  if (r.remaining === 0) return map
  r.nested16('extensions', (list) => {
    while (list.remaining > 0) {
      const type = list.uint16('extension type')
      const data = list.vector16(`extension ${type}`)
      if (map.has(type)) throw new TlsError('ERR_TLS_ILLEGAL_PARAMETER', `extension ${type} appears twice`)
      map.set(type, data)
    }
  })
  return map
}

function writeExtensions(w: ByteWriter, extensions: Extensions): void {
  const list = new ByteWriter()
  for (const [type, data] of extensions) list.uint16(type).vector16(data)
  w.vector16(list.finish())
}

/** RFC 5246 §7.4.1.2 */
export interface ClientHello {
  readonly version: number
  readonly random: Uint8Array
  readonly sessionId: Uint8Array
  readonly cipherSuites: readonly number[]
  readonly compressionMethods: Uint8Array
  readonly extensions: Extensions
}

export function parseClientHello(body: Uint8Array): ClientHello {
  const r = new ByteReader(body)
  const version = r.uint16('client_version')
  const random = r.bytesExact(RANDOM_BYTES, 'random')
  const sessionId = r.vector8('session_id', 0, 32)
  const suites = r.vector16('cipher_suites', 2, 0xfffe)
  if (suites.length % 2 !== 0)
    throw new TlsError('ERR_TLS_DECODE', `cipher_suites length ${suites.length} is odd`)
  const cipherSuites: number[] = []
  for (let i = 0; i < suites.length; i += 2)
    cipherSuites.push(((suites[i] as number) << 8) | (suites[i + 1] as number))
  const compressionMethods = r.vector8('compression_methods', 1)
  const extensions = readExtensions(r)
  r.end('ClientHello')
  return { version, random, sessionId, cipherSuites, compressionMethods, extensions }
}

export function encodeClientHello(h: ClientHello): Uint8Array {
  const suites = new ByteWriter()
  for (const s of h.cipherSuites) suites.uint16(s)
  const w = new ByteWriter().uint16(h.version).bytes(h.random).vector8(h.sessionId).vector16(suites.finish())
  w.vector8(h.compressionMethods)
  writeExtensions(w, h.extensions)
  return w.finish()
}

/** RFC 5246 §7.4.1.3 */
export interface ServerHello {
  readonly version: number
  readonly random: Uint8Array
  readonly sessionId: Uint8Array
  readonly cipherSuite: number
  readonly compressionMethod: number
  readonly extensions: Extensions
}

export function parseServerHello(body: Uint8Array): ServerHello {
  const r = new ByteReader(body)
  const version = r.uint16('server_version')
  const random = r.bytesExact(RANDOM_BYTES, 'random')
  const sessionId = r.vector8('session_id', 0, 32)
  const cipherSuite = r.uint16('cipher_suite')
  const compressionMethod = r.uint8('compression_method')
  const extensions = readExtensions(r)
  r.end('ServerHello')
  return { version, random, sessionId, cipherSuite, compressionMethod, extensions }
}

export function encodeServerHello(h: ServerHello): Uint8Array {
  const w = new ByteWriter().uint16(h.version).bytes(h.random).vector8(h.sessionId).uint16(h.cipherSuite)
  w.uint8(h.compressionMethod)
  writeExtensions(w, h.extensions)
  return w.finish()
}

/** RFC 5054 §2.8.1: the SRP extension carries srp_I<1..2^8-1>. */
export function parseSrpExtension(data: Uint8Array): string {
  const r = new ByteReader(data)
  const name = r.vector8('srp_I', 1)
  r.end('SRP extension')
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(name)
  } catch {
    throw new TlsError('ERR_TLS_DECODE', 'srp_I is not UTF-8')
  }
}

export function encodeSrpExtension(username: Uint8Array): Uint8Array {
  return new ByteWriter().vector8(username).finish()
}

/** RFC 5746 §3.2: renegotiated_connection<0..255>, empty on an initial handshake. */
export const EMPTY_RENEGOTIATION_INFO = new Uint8Array([0])

export function isEmptyRenegotiationInfo(data: Uint8Array): boolean {
  return data.length === 1 && data[0] === 0
}

/** RFC 5054 §2.8.2 ServerSRPParams (no signature: the SRP_SHA suites are not authenticated by a certificate). */
export interface ServerSrpParams {
  readonly N: Uint8Array
  readonly g: Uint8Array
  readonly salt: Uint8Array
  readonly B: Uint8Array
}

export function parseServerKeyExchange(body: Uint8Array): ServerSrpParams {
  const r = new ByteReader(body)
  const N = r.vector16('srp_N', 1)
  const g = r.vector16('srp_g', 1)
  const salt = r.vector8('srp_s', 1)
  const B = r.vector16('srp_B', 1)
  r.end('ServerKeyExchange')
  return { N, g, salt, B }
}

export function encodeServerKeyExchange(p: ServerSrpParams): Uint8Array {
  return new ByteWriter().vector16(p.N).vector16(p.g).vector8(p.salt).vector16(p.B).finish()
}

/** RFC 5054 §2.8.3 ClientSRPPublic: srp_A<1..2^16-1>. */
export function parseClientKeyExchange(body: Uint8Array): Uint8Array {
  const r = new ByteReader(body)
  const A = r.vector16('srp_A', 1)
  r.end('ClientKeyExchange')
  return A
}

export function encodeClientKeyExchange(A: Uint8Array): Uint8Array {
  return new ByteWriter().vector16(A).finish()
}

/** RFC 5246 §7.4.9: verify_data[12]. */
export function parseFinished(body: Uint8Array): Uint8Array {
  const r = new ByteReader(body)
  const verifyData = r.bytesExact(VERIFY_DATA_BYTES, 'verify_data')
  r.end('Finished')
  return verifyData
}

/** RFC 5246 §7.4.5: ServerHelloDone is empty. */
export function parseServerHelloDone(body: Uint8Array): void {
  new ByteReader(body).end('ServerHelloDone')
}
