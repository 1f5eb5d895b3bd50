import {
  AES_BLOCK_BYTES,
  type ContentType,
  MAC_BYTES,
  MAX_PLAINTEXT_BYTES,
  RECORD_HEADER_BYTES,
} from './constants'
import { TlsError } from './errors'
import { type Key, importHmacKey, own } from './prf'
import { FRAGMENT_OFFSET, type RawRecord, RECORD_HEADROOM_BYTES, writeHeader } from './record'

/**
 * One direction of record protection: AES-CBC with HMAC-SHA1, MAC-then-encrypt (RFC 5246
 * §6.2.3.2) or encrypt-then-MAC (RFC 7366), with an explicit random IV per record.
 *
 * WebCrypto's AES-CBC always applies PKCS#7 padding, which TLS padding is not. Encrypting: we pad
 * the TLS way to a whole number of blocks, WebCrypto appends one block of PKCS#7 padding, and we
 * drop that last ciphertext block (CBC never lets a later block change an earlier one). Decrypting:
 * we append the one ciphertext block that decrypts to a full PKCS#7 block, E_k(C_last XOR 0x10..),
 * which is the first block of an encryption of 0x10.. with IV C_last; WebCrypto's padding check then
 * passes and strips exactly that block.
 */
const PKCS7_FULL_BLOCK = new Uint8Array(AES_BLOCK_BYTES).fill(AES_BLOCK_BYTES)
const SEQUENCE_BYTES = 8
/** Bytes before the MAC-then-encrypt plaintext: seq_num + type + version + length (RFC 5246 §6.2.3.1). */
const MAC_HEADER_BYTES = SEQUENCE_BYTES + RECORD_HEADER_BYTES

export class CipherState {
  private sequence = 0n

  private constructor(
    private readonly aesKey: Key,
    private readonly macKey: Key,
    readonly encryptThenMac: boolean,
  ) {}

  static async create(encKey: Uint8Array, macKey: Uint8Array, encryptThenMac: boolean): Promise<CipherState> {
    const aes = await crypto.subtle.importKey('raw', own(encKey), { name: 'AES-CBC' }, false, [
      'encrypt',
      'decrypt',
    ])
    return new CipherState(aes, await importHmacKey('SHA-1', macKey), encryptThenMac)
  }

  /** The next sequence number, taken synchronously so concurrent seals keep wire order. */
  private nextSequence(): bigint {
    const s = this.sequence
    // RFC 5246 §6.1: sequence numbers may not wrap; we never renegotiate, so we stop.
    if (s === 0xffffffffffffffffn) throw new TlsError('ERR_TLS_INTERNAL', 'sequence number exhausted')
    this.sequence = s + 1n
    return s
  }

  /** A whole protected record of `data` (at most 2^14 bytes). */
  seal(type: ContentType, data: Uint8Array): Promise<Uint8Array> {
    const seq = this.nextSequence()
    return this.encryptThenMac ? this.sealEtm(seq, type, data) : this.sealMte(seq, type, data)
  }

  /** The plaintext of a protected record. Bad MAC and bad padding fail alike, as bad_record_mac. */
  open(record: RawRecord): Promise<Uint8Array> {
    const seq = this.nextSequence()
    return this.encryptThenMac ? this.openEtm(seq, record) : this.openMte(seq, record)
  }

  private async sealMte(seq: bigint, type: ContentType, data: Uint8Array): Promise<Uint8Array> {
    const padLength = AES_BLOCK_BYTES - 1 - ((data.length + MAC_BYTES) % AES_BLOCK_BYTES)
    // [seq type version length][data][mac][padding]: MAC over the first two, then encrypt the rest.
    const buf = new Uint8Array(MAC_HEADER_BYTES + data.length + MAC_BYTES + padLength + 1)
    writeMacHeader(buf, seq, type, data.length)
    buf.set(data, MAC_HEADER_BYTES)
    const mac = await crypto.subtle.sign(
      'HMAC',
      this.macKey,
      own(buf.subarray(0, MAC_HEADER_BYTES + data.length)),
    )
    buf.set(new Uint8Array(mac), MAC_HEADER_BYTES + data.length)
    buf.fill(padLength, MAC_HEADER_BYTES + data.length + MAC_BYTES)
    const iv = crypto.getRandomValues(new Uint8Array(AES_BLOCK_BYTES))
    const ct = await this.encrypt(iv, buf.subarray(MAC_HEADER_BYTES))
    const out = new Uint8Array(RECORD_HEADER_BYTES + AES_BLOCK_BYTES + ct.length)
    writeHeader(out, 0, type, AES_BLOCK_BYTES + ct.length)
    out.set(iv, RECORD_HEADER_BYTES)
    out.set(ct, RECORD_HEADER_BYTES + AES_BLOCK_BYTES)
    return out
  }

  private async sealEtm(seq: bigint, type: ContentType, data: Uint8Array): Promise<Uint8Array> {
    const padLength = AES_BLOCK_BYTES - 1 - (data.length % AES_BLOCK_BYTES)
    const plain = new Uint8Array(data.length + padLength + 1)
    plain.set(data)
    plain.fill(padLength, data.length)
    const iv = crypto.getRandomValues(new Uint8Array(AES_BLOCK_BYTES))
    const ct = await this.encrypt(iv, plain)
    // [seq][header][iv][ct][mac]: RFC 7366 §3 MACs seq + header (length without the MAC) + IV + ct.
    const fragment = AES_BLOCK_BYTES + ct.length
    const out = new Uint8Array(MAC_HEADER_BYTES + fragment + MAC_BYTES)
    writeMacHeader(out, seq, type, fragment)
    out.set(iv, MAC_HEADER_BYTES)
    out.set(ct, MAC_HEADER_BYTES + AES_BLOCK_BYTES)
    const mac = await crypto.subtle.sign(
      'HMAC',
      this.macKey,
      own(out.subarray(0, MAC_HEADER_BYTES + fragment)),
    )
    out.set(new Uint8Array(mac), MAC_HEADER_BYTES + fragment)
    writeHeader(out, SEQUENCE_BYTES, type, fragment + MAC_BYTES)
    return out.subarray(SEQUENCE_BYTES)
  }

  private async openMte(seq: bigint, record: RawRecord): Promise<Uint8Array> {
    const { length } = record
    // RFC 5246 §6.2.3.2: IV, then whole blocks holding at least the MAC and the padding length byte.
    if (length % AES_BLOCK_BYTES !== 0 || length < AES_BLOCK_BYTES + roundUpToBlock(MAC_BYTES + 1)) {
      throw badRecordMac(`ciphertext of ${length} bytes is not IV plus whole blocks holding a MAC`)
    }
    const plain = await this.decrypt(record, length)
    // Check the padding without an early exit and MAC as if it were empty when bad (RFC 5246
    // §6.2.3.2), so bad padding and a bad MAC look alike.
    const padLength = plain[plain.length - 1] as number
    let bad = padLength + 1 + MAC_BYTES > plain.length ? 1 : 0
    const checked = Math.min(padLength, plain.length - 1)
    for (let i = plain.length - 1 - checked; i < plain.length; i++) bad |= (plain[i] as number) ^ padLength
    const dataLength = plain.length - MAC_BYTES - (bad ? 1 : padLength + 1)
    const macInput = new Uint8Array(MAC_HEADER_BYTES + dataLength)
    writeMacHeader(macInput, seq, record.type, dataLength)
    macInput.set(plain.subarray(0, dataLength), MAC_HEADER_BYTES)
    const mac = plain.subarray(dataLength, dataLength + MAC_BYTES)
    const ok = await crypto.subtle.verify('HMAC', this.macKey, own(mac), own(macInput))
    if (!ok || bad) throw badRecordMac('record MAC or padding does not verify')
    return checkPlaintextLength(macInput.subarray(MAC_HEADER_BYTES))
  }

  private async openEtm(seq: bigint, record: RawRecord): Promise<Uint8Array> {
    const cipherLength = record.length - MAC_BYTES
    if (cipherLength < 2 * AES_BLOCK_BYTES || cipherLength % AES_BLOCK_BYTES !== 0) {
      throw badRecordMac(
        `encrypt-then-MAC record of ${record.length} bytes is not IV, whole blocks and a MAC`,
      )
    }
    const buf = record.buffer
    const mac = buf.slice(FRAGMENT_OFFSET + cipherLength, FRAGMENT_OFFSET + record.length)
    // The headroom takes the sequence number; the header's length becomes that of IV + ciphertext.
    new DataView(buf.buffer, buf.byteOffset).setBigUint64(0, seq)
    buf[RECORD_HEADROOM_BYTES + 3] = cipherLength >> 8
    buf[RECORD_HEADROOM_BYTES + 4] = cipherLength & 0xff
    // WebCrypto copies its input when called, so decrypting (which overwrites the MAC's bytes
    // with the padding block) can run while the MAC is being checked.
    const verified = crypto.subtle.verify(
      'HMAC',
      this.macKey,
      own(mac),
      own(buf.subarray(0, FRAGMENT_OFFSET + cipherLength)),
    )
    const decrypted = this.decrypt(record, cipherLength)
    const [ok, plain] = await Promise.all([verified, decrypted])
    if (!ok) throw badRecordMac('record MAC does not verify')
    const padLength = plain[plain.length - 1] as number
    let bad = padLength + 1 > plain.length ? 1 : 0
    for (let i = plain.length - 1 - Math.min(padLength, plain.length - 1); i < plain.length; i++) {
      bad |= (plain[i] as number) ^ padLength
    }
    if (bad) throw badRecordMac('record padding is malformed')
    return checkPlaintextLength(plain.subarray(0, plain.length - padLength - 1))
  }

  private async encrypt(iv: Uint8Array, plain: Uint8Array): Promise<Uint8Array> {
    const ct = await crypto.subtle.encrypt({ name: 'AES-CBC', iv: own(iv) }, this.aesKey, own(plain))
    return new Uint8Array(ct, 0, ct.byteLength - AES_BLOCK_BYTES)
  }

  /** Decrypts the `cipherLength` bytes (IV first) of the record's fragment, in place of the tailroom trick. */
  private async decrypt(record: RawRecord, cipherLength: number): Promise<Uint8Array> {
    const buf = record.buffer
    const end = FRAGMENT_OFFSET + cipherLength
    const lastBlock = buf.subarray(end - AES_BLOCK_BYTES, end)
    const padBlock = await crypto.subtle.encrypt(
      { name: 'AES-CBC', iv: own(lastBlock) },
      this.aesKey,
      own(PKCS7_FULL_BLOCK),
    )
    buf.set(new Uint8Array(padBlock, 0, AES_BLOCK_BYTES), end)
    const iv = buf.subarray(FRAGMENT_OFFSET, FRAGMENT_OFFSET + AES_BLOCK_BYTES)
    try {
      const plain = await crypto.subtle.decrypt(
        { name: 'AES-CBC', iv: own(iv) },
        this.aesKey,
        own(buf.subarray(FRAGMENT_OFFSET + AES_BLOCK_BYTES, end + AES_BLOCK_BYTES)),
      )
      return new Uint8Array(plain)
    } catch {
      // Cannot happen with the block above; if it does, it must look like any other bad record.
      throw badRecordMac('record does not decrypt')
    }
  }
}

function writeMacHeader(out: Uint8Array, seq: bigint, type: number, length: number): void {
  new DataView(out.buffer, out.byteOffset).setBigUint64(0, seq)
  writeHeader(out, SEQUENCE_BYTES, type, length)
}

function roundUpToBlock(n: number): number {
  return Math.ceil(n / AES_BLOCK_BYTES) * AES_BLOCK_BYTES
}

function badRecordMac(message: string): TlsError {
  return new TlsError('ERR_TLS_BAD_RECORD_MAC', message)
}

/** RFC 5246 §6.2.3: a decrypted fragment over 2^14 bytes is a record_overflow. */
function checkPlaintextLength(plain: Uint8Array): Uint8Array {
  if (plain.length > MAX_PLAINTEXT_BYTES) {
    throw new TlsError(
      'ERR_TLS_RECORD_OVERFLOW',
      `plaintext of ${plain.length} bytes exceeds maximum ${MAX_PLAINTEXT_BYTES}`,
    )
  }
  return plain
}
