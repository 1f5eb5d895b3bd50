import {
  AES_BLOCK_BYTES,
  type ContentType,
  MAC_BYTES,
  MAX_PLAINTEXT_BYTES,
  RECORD_HEADER_BYTES,
} from './constants'
import { TlsError } from './errors'
import { equalBytes } from './prf'
import { type RecordCrypto, type RecordKeys, webCryptoRecords } from './record-crypto'
import { type RawRecord, writeHeader } from './record'
import { SEAL_BUFFER_BYTES, giveSealBuffer, takeSealBuffer } from './seal-buffers'

/**
 * One direction of record protection: AES-CBC with HMAC-SHA1, MAC-then-encrypt (RFC 5246
 * §6.2.3.2) or encrypt-then-MAC (RFC 7366), with an explicit IV per record. The primitives come
 * from a RecordCrypto (record-crypto.ts).
 *
 * A primitive call (a WebCrypto one above all) costs far more than the AES of one record, so
 * records are protected in batches: one AES call per batch each way. Sealing, the batch is one CBC
 * chain and each record's explicit IV is the previous record's last ciphertext block: the whole
 * batch's plaintext is fixed before any of its ciphertext exists, so those IVs are as
 * unpredictable as a fresh random one. Opening, the records' IVs and ciphertexts are laid end to
 * end and decrypted in one pass: each IV decrypts to a junk block (where the MAC header then goes)
 * and makes the next block right.
 */
const SEQUENCE_BYTES = 8
/** seq_num + type + version + length, what the MAC covers before the data (RFC 5246 §6.2.3.1). */
const MAC_HEADER_BYTES = SEQUENCE_BYTES + RECORD_HEADER_BYTES

export class CipherState {
  private sequence = 0n

  private constructor(
    private readonly keys: RecordKeys,
    readonly encryptThenMac: boolean,
  ) {}

  static async create(
    encKey: Uint8Array,
    macKey: Uint8Array,
    encryptThenMac: boolean,
    recordCrypto: RecordCrypto = webCryptoRecords,
  ): Promise<CipherState> {
    return new CipherState(await recordCrypto.keys(encKey, macKey), encryptThenMac)
  }

  /** One protected record of `data` (at most 2^14 bytes). */
  seal(type: ContentType, data: Uint8Array): Promise<Uint8Array> {
    return this.sealMany(type, [data])
  }

  /** The plaintext of one protected record. */
  async open(record: RawRecord): Promise<Uint8Array> {
    return (await this.openMany([record]))[0] as Uint8Array
  }

  /** Protected records of `type` for each chunk (each at most 2^14 bytes), end to end in one buffer. */
  sealMany(type: ContentType, chunks: readonly Uint8Array[]): Promise<Uint8Array> {
    return this.sealFragments(
      type,
      chunks.map((c) => c.length),
      new Gather(chunks),
    )
  }

  /**
   * `chunks` joined, as protected records of `type` of at most 2^14 bytes each, end to end in one
   * buffer. The chunks are copied once, straight to where the cipher reads them. `pooled`: a bulk
   * batch's buffer may come from seal-buffers.ts, and the caller gives it back once it was sent.
   */
  sealJoined(type: ContentType, chunks: readonly Uint8Array[], pooled = false): Promise<Uint8Array> {
    let total = 0
    for (const c of chunks) total += c.length
    const lengths: number[] = []
    for (let o = 0; o < total; o += MAX_PLAINTEXT_BYTES)
      lengths.push(Math.min(MAX_PLAINTEXT_BYTES, total - o))
    return this.sealFragments(type, lengths, new Gather(chunks), pooled)
  }

  private sealFragments(
    type: ContentType,
    lengths: readonly number[],
    data: Gather,
    pooled = false,
  ): Promise<Uint8Array> {
    // Sequence numbers are taken synchronously, so concurrent calls keep the order of the calls.
    const seqs = lengths.map(() => this.nextSequence())
    return this.encryptThenMac
      ? this.sealEtm(type, lengths, data, seqs, pooled)
      : this.sealMte(type, lengths, data, seqs)
  }

  /** The plaintexts of consecutive records. Bad MAC and bad padding fail alike, as bad_record_mac. */
  openMany(records: readonly RawRecord[]): Promise<Uint8Array[]> {
    const seqs = records.map(() => this.nextSequence())
    return this.encryptThenMac ? this.openEtm(records, seqs) : this.openMte(records, seqs)
  }

  private nextSequence(): bigint {
    const s = this.sequence
    // RFC 5246 §6.1: sequence numbers may not wrap; we never renegotiate, so we stop.
    if (s === 0xffffffffffffffffn) throw new TlsError('ERR_TLS_INTERNAL', 'sequence number exhausted')
    this.sequence = s + 1n
    return s
  }

  private async sealMte(
    type: ContentType,
    lengths: readonly number[],
    data: Gather,
    seqs: readonly bigint[],
  ): Promise<Uint8Array> {
    // plain: [MAC header room][data0 mac0 pad0][data1 mac1 pad1]… Each record's MAC header is written
    // just before its data, over the previous record's not yet written MAC and padding (21 bytes at
    // least), and every MAC is computed before any is written, so one buffer serves them all and the AES.
    const sizes = lengths.map((n) => roundUpToBlock(n + MAC_BYTES + 1))
    const starts = offsets(sizes, MAC_HEADER_BYTES)
    const plain = new Uint8Array(MAC_HEADER_BYTES + sum(sizes))
    const macInputs = lengths.map((n, i) => {
      const at = starts[i] as number
      data.copy(plain, at, n)
      writeMacHeader(plain, at - MAC_HEADER_BYTES, seqs[i] as bigint, type, n)
      return plain.subarray(at - MAC_HEADER_BYTES, at + n)
    })
    const macValues = await this.keys.macs(macInputs.map((input) => [input]))
    lengths.forEach((n, i) => {
      const at = (starts[i] as number) + n
      plain.set(macValues[i] as Uint8Array, at)
      plain.fill(
        (sizes[i] as number) - n - MAC_BYTES - 1,
        at + MAC_BYTES,
        (starts[i] as number) + (sizes[i] as number),
      )
    })
    const iv = randomIv()
    const ct = await this.keys.encrypt(iv, plain.subarray(MAC_HEADER_BYTES))
    const out = new Uint8Array(sum(sizes) + lengths.length * (RECORD_HEADER_BYTES + AES_BLOCK_BYTES))
    let o = 0
    let c = 0
    for (const size of sizes) {
      writeHeader(out, o, type, AES_BLOCK_BYTES + size)
      out.set(c === 0 ? iv : ct.subarray(c - AES_BLOCK_BYTES, c), o + RECORD_HEADER_BYTES)
      out.set(ct.subarray(c, c + size), o + RECORD_HEADER_BYTES + AES_BLOCK_BYTES)
      o += RECORD_HEADER_BYTES + AES_BLOCK_BYTES + size
      c += size
    }
    return out
  }

  private async sealEtm(
    type: ContentType,
    lengths: readonly number[],
    data: Gather,
    seqs: readonly bigint[],
    pooled: boolean,
  ): Promise<Uint8Array> {
    // Padding of 1 to 16 bytes (never 0), so a WebCrypto peer decrypts without an extra AES call (record-crypto.ts).
    const sizes = lengths.map((n) => roundUpToBlock(n + 2))
    // Every byte of it is written below, so a reused buffer shows nothing of what it held.
    const plain = takeSealBuffer(sum(sizes))
    let p = 0
    lengths.forEach((n, i) => {
      data.copy(plain, p, n)
      plain.fill((sizes[i] as number) - n - 1, p + n, p + (sizes[i] as number))
      p += sizes[i] as number
    })
    const iv = randomIv()
    let ct: Uint8Array
    try {
      ct = await this.keys.encrypt(iv, plain)
    } finally {
      giveSealBuffer(plain) // read once encrypt has settled
    }
    // out: [seq room][header iv ct mac]…, RFC 7366 §3 MACs seq + header (length without the MAC) +
    // IV + ciphertext. Each record's sequence number goes over the previous record's MAC slot,
    // which is only filled once every MAC has been computed.
    const recordBytes = (size: number): number => RECORD_HEADER_BYTES + AES_BLOCK_BYTES + size + MAC_BYTES
    // Every byte past the first record's sequence number is written below.
    const outBytes = SEQUENCE_BYTES + sum(sizes.map(recordBytes))
    // Only bulk batches: a small one may wait long behind a slow transport, and would hold a
    // whole pool buffer meanwhile (a peer that stops reading could pile up hundreds).
    const out =
      pooled && outBytes >= SEAL_BUFFER_BYTES / 2 ? takeSealBuffer(outBytes) : new Uint8Array(outBytes)
    const macInputs: Uint8Array[] = []
    let o = SEQUENCE_BYTES
    let c = 0
    sizes.forEach((size, i) => {
      new DataView(out.buffer).setBigUint64(o - SEQUENCE_BYTES, seqs[i] as bigint)
      writeHeader(out, o, type, AES_BLOCK_BYTES + size)
      out.set(c === 0 ? iv : ct.subarray(c - AES_BLOCK_BYTES, c), o + RECORD_HEADER_BYTES)
      out.set(ct.subarray(c, c + size), o + RECORD_HEADER_BYTES + AES_BLOCK_BYTES)
      const macEnd = o + RECORD_HEADER_BYTES + AES_BLOCK_BYTES + size
      macInputs.push(out.subarray(o - SEQUENCE_BYTES, macEnd))
      o += recordBytes(size)
      c += size
    })
    const macValues = await this.keys.macs(macInputs.map((input) => [input]))
    o = SEQUENCE_BYTES
    sizes.forEach((size, i) => {
      writeHeader(out, o, type, AES_BLOCK_BYTES + size + MAC_BYTES)
      out.set(macValues[i] as Uint8Array, o + RECORD_HEADER_BYTES + AES_BLOCK_BYTES + size)
      o += recordBytes(size)
    })
    return out.subarray(SEQUENCE_BYTES)
  }

  private async openEtm(records: readonly RawRecord[], seqs: readonly bigint[]): Promise<Uint8Array[]> {
    const lengths = records.map((r) => {
      const cipherLength = r.fragment.length - MAC_BYTES
      if (cipherLength < 2 * AES_BLOCK_BYTES || cipherLength % AES_BLOCK_BYTES !== 0) {
        throw badRecordMac(
          `encrypt-then-MAC record of ${r.fragment.length} bytes is not IV, whole blocks and a MAC`,
        )
      }
      return cipherLength
    })
    // RFC 7366 §3: the MAC covers the sequence number, the header with the length of IV +
    // ciphertext, then IV + ciphertext as received.
    const macHeaders = new Uint8Array(records.length * MAC_HEADER_BYTES)
    const macInputs = records.map((r, i) => {
      const cipherLength = lengths[i] as number
      writeMacHeader(macHeaders, i * MAC_HEADER_BYTES, seqs[i] as bigint, r.type, cipherLength)
      return [
        macHeaders.subarray(i * MAC_HEADER_BYTES, (i + 1) * MAC_HEADER_BYTES),
        r.fragment.subarray(0, cipherLength),
      ]
    })
    const macs = await this.keys.macs(macInputs)
    const macsMatch = records.every((r, i) =>
      equalBytes(macs[i] as Uint8Array, r.fragment.subarray(lengths[i] as number)),
    )
    // Only records whose MAC verified are decrypted: then how long decryption takes tells an
    // attacker nothing about ciphertext of his own making.
    if (!macsMatch) throw badRecordMac('record MAC does not verify')
    const plains = await this.decryptRecords(records, lengths, true)
    return plains.map((plain) => {
      const data = plain.subarray(AES_BLOCK_BYTES)
      const padLength = data[data.length - 1] as number
      if (!paddingIsGood(data, padLength, 0)) throw badRecordMac('record MAC or padding does not verify')
      return checkPlaintextLength(data.subarray(0, data.length - padLength - 1))
    })
  }

  private async openMte(records: readonly RawRecord[], seqs: readonly bigint[]): Promise<Uint8Array[]> {
    const lengths = records.map((r) => {
      // RFC 5246 §6.2.3.2: IV, then whole blocks holding at least the MAC and the padding length.
      const length = r.fragment.length
      if (length % AES_BLOCK_BYTES !== 0 || length < AES_BLOCK_BYTES + roundUpToBlock(MAC_BYTES + 1)) {
        throw badRecordMac(`ciphertext of ${length} bytes is not IV plus whole blocks holding a MAC`)
      }
      return length
    })
    const plains = await this.decryptRecords(records, lengths, false)
    // Padding is checked without an early exit, and a record with bad padding is MACed as if it had
    // none (RFC 5246 §6.2.3.2), so bad padding and a bad MAC look alike. The MAC header goes into the
    // junk block before each record's plaintext.
    let bad = 0
    const checks = records.map((r, i) => {
      const plain = plains[i] as Uint8Array
      const end = plain.length
      const dataStart = AES_BLOCK_BYTES
      const padLength = plain[end - 1] as number
      const good = paddingIsGood(plain.subarray(dataStart, end), padLength, MAC_BYTES)
      bad |= good ? 0 : 1
      const dataLength = end - dataStart - MAC_BYTES - (good ? padLength + 1 : 1)
      writeMacHeader(plain, dataStart - MAC_HEADER_BYTES, seqs[i] as bigint, r.type, dataLength)
      return {
        data: plain.subarray(dataStart, dataStart + dataLength),
        mac: plain.subarray(dataStart + dataLength, dataStart + dataLength + MAC_BYTES),
        input: plain.subarray(dataStart - MAC_HEADER_BYTES, dataStart + dataLength),
      }
    })
    const macs = await this.keys.macs(checks.map((c) => [c.input]))
    checks.forEach((c, i) => (bad |= equalBytes(macs[i] as Uint8Array, c.mac) ? 0 : 1))
    if (bad) throw badRecordMac('record MAC or padding does not verify')
    return checks.map((c) => checkPlaintextLength(c.data))
  }

  /**
   * Decrypts records' IV + ciphertext as one CBC chain, in one call. Each record's plaintext
   * starts with one junk block (its IV decrypted).
   */
  private async decryptRecords(
    records: readonly RawRecord[],
    lengths: readonly number[],
    verified: boolean,
  ): Promise<Uint8Array[]> {
    const segments = records.map((r, i) => r.fragment.subarray(0, lengths[i] as number))
    try {
      return await this.keys.decrypt(segments, verified)
    } catch {
      // Whole blocks always decrypt; if they do not, it must look like any other bad record.
      throw badRecordMac('record does not decrypt')
    }
  }
}

/** Reads chunks in order, as if joined, without joining them. */
class Gather {
  private index = 0
  private offset = 0

  constructor(private readonly chunks: readonly Uint8Array[]) {}

  /** Copies the next `length` bytes to `into` at `at`. */
  copy(into: Uint8Array, at: number, length: number): void {
    let left = length
    while (left > 0) {
      const chunk = this.chunks[this.index] as Uint8Array
      const n = Math.min(left, chunk.length - this.offset)
      into.set(n === chunk.length ? chunk : chunk.subarray(this.offset, this.offset + n), at + length - left)
      left -= n
      this.offset += n
      if (this.offset === chunk.length) {
        this.index++
        this.offset = 0
      }
    }
  }
}

/**
 * TLS padding: `padLength` + 1 bytes, each of value `padLength`, ending `block` (which must also
 * hold `reserved` bytes of MAC). Looks at a fixed span without an early exit.
 */
function paddingIsGood(block: Uint8Array, padLength: number, reserved: number): boolean {
  let bad = padLength + 1 + reserved > block.length ? 1 : 0
  const from = block.length - 1 - Math.min(padLength, block.length - 1)
  for (let i = from; i < block.length; i++) bad |= (block[i] as number) ^ padLength
  return bad === 0
}

/** Random bytes for IVs, drawn 4 KiB at a time: one getRandomValues call per 256 batches. */
const ivPool = new Uint8Array(4096)
let ivPoolOffset = ivPool.length

function randomIv(): Uint8Array {
  if (ivPoolOffset === ivPool.length) {
    crypto.getRandomValues(ivPool)
    ivPoolOffset = 0
  }
  ivPoolOffset += AES_BLOCK_BYTES
  return ivPool.slice(ivPoolOffset - AES_BLOCK_BYTES, ivPoolOffset)
}

function writeMacHeader(out: Uint8Array, at: number, seq: bigint, type: number, length: number): void {
  new DataView(out.buffer, out.byteOffset).setBigUint64(at, seq)
  writeHeader(out, at + SEQUENCE_BYTES, type, length)
}

function roundUpToBlock(n: number): number {
  return Math.ceil(n / AES_BLOCK_BYTES) * AES_BLOCK_BYTES
}

function sum(xs: readonly number[]): number {
  let s = 0
  for (const x of xs) s += x
  return s
}

/** Where each of `sizes` starts, laid end to end after `first` bytes. */
function offsets(sizes: readonly number[], first: number): number[] {
  const out: number[] = []
  let o = first
  for (const s of sizes) {
    out.push(o)
    o += s
  }
  return out
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
