import { AES_BLOCK_BYTES } from './constants'
import { asArrayBufferView, concatBytes } from '../wire/bytes'
import { type Key, importHmacKey } from './prf'

/**
 * The primitives record protection is built from (AES-CBC and HMAC-SHA1, RFC 5246 §6.2.3.2), for
 * one direction's keys. The record layer (cipher.ts) lays records out and checks them; this only
 * computes. WebCrypto serves everywhere; a platform may plug in faster primitives (on Node,
 * node:crypto answers synchronously, where each WebCrypto call is a hop to a thread and back).
 */
export interface RecordKeys {
  /** AES-CBC of whole blocks under `iv`, without padding: as many bytes out as in. */
  encrypt(iv: Uint8Array, blocks: Uint8Array): Promise<Uint8Array>
  /**
   * AES-CBC decryption of whole blocks under a zero IV, without padding, of `segments` as one
   * chain (each segment's first block chains on the previous segment's last): each segment's
   * plaintext, as many bytes as it has. `verified`: their MAC has been checked, so how long
   * decrypting takes may depend on them.
   */
  decrypt(segments: readonly Uint8Array[], verified: boolean): Promise<Uint8Array[]>
  /** HMAC-SHA1 of each input, given as parts to be read in order (none is changed). */
  macs(inputs: readonly (readonly Uint8Array[])[]): Promise<Uint8Array[]>
}

export interface RecordCrypto {
  /** For traces and benchmarks. */
  readonly name: string
  keys(encKey: Uint8Array, macKey: Uint8Array): Promise<RecordKeys>
}

const PKCS7_FULL_BLOCK = new Uint8Array(AES_BLOCK_BYTES).fill(AES_BLOCK_BYTES)
const ZERO_IV = new Uint8Array(AES_BLOCK_BYTES)

/**
 * WebCrypto's AES-CBC always applies PKCS#7 padding, which TLS padding is not. Encrypting, we drop
 * the block of PKCS#7 padding it appends (in CBC a later block never changes an earlier one).
 * Decrypting, we append the one block that decrypts to a full PKCS#7 block, E_k(C_last XOR 0x10..),
 * which is the first block of an encryption of 0x10.. under IV C_last: WebCrypto's padding check
 * then passes and strips it. Verified blocks are first tried as they are: TLS padding of 1 to 16
 * bytes is also valid PKCS#7 padding, and the bytes WebCrypto strips (n of value n) are put back,
 * which saves the extra call. Unverified blocks never take that path, whose time would say
 * whether forged padding was valid.
 */
class WebCryptoRecordKeys implements RecordKeys {
  constructor(
    private readonly aesKey: Key,
    private readonly macKey: Key,
  ) {}

  async encrypt(iv: Uint8Array, blocks: Uint8Array): Promise<Uint8Array> {
    const ct = await crypto.subtle.encrypt(
      { name: 'AES-CBC', iv: asArrayBufferView(iv) },
      this.aesKey,
      asArrayBufferView(blocks),
    )
    return new Uint8Array(ct, 0, blocks.length)
  }

  async decrypt(segments: readonly Uint8Array[], verified: boolean): Promise<Uint8Array[]> {
    let total = 0
    for (const segment of segments) total += segment.length
    // A fresh buffer, with room for a padding block: Node's WebCrypto reads its input after the
    // call has returned, so a buffer kept for reuse could change under a call still pending.
    const chain = new Uint8Array(total + AES_BLOCK_BYTES)
    joinInto(chain, segments)
    if (verified && total > 0) {
      const plain = await this.decryptPadded(chain.subarray(0, total)).catch(() => null)
      if (plain) return splitPlain(plain, segments, total)
    }
    const lastBlock = total > 0 ? chain.subarray(total - AES_BLOCK_BYTES, total) : ZERO_IV
    const padBlock = await crypto.subtle.encrypt(
      { name: 'AES-CBC', iv: asArrayBufferView(lastBlock) },
      this.aesKey,
      asArrayBufferView(PKCS7_FULL_BLOCK),
    )
    chain.set(new Uint8Array(padBlock, 0, AES_BLOCK_BYTES), total)
    return splitPlain(await this.decryptPadded(chain), segments, total)
  }

  macs(inputs: readonly (readonly Uint8Array[])[]): Promise<Uint8Array[]> {
    return Promise.all(
      inputs.map(async (parts) => {
        const input = parts.length === 1 ? (parts[0] as Uint8Array) : concatBytes(parts)
        return new Uint8Array(await crypto.subtle.sign('HMAC', this.macKey, asArrayBufferView(input)))
      }),
    )
  }

  private async decryptPadded(chain: Uint8Array): Promise<Uint8Array> {
    const plain = await crypto.subtle.decrypt(
      { name: 'AES-CBC', iv: asArrayBufferView(ZERO_IV) },
      this.aesKey,
      asArrayBufferView(chain),
    )
    return new Uint8Array(plain)
  }
}

function joinInto(into: Uint8Array, segments: readonly Uint8Array[]): void {
  let at = 0
  for (const segment of segments) {
    into.set(segment, at)
    at += segment.length
  }
}

/**
 * Each segment's part of `plain`, the decryption of `total` bytes from which WebCrypto may have
 * stripped PKCS#7 padding (n bytes of value n, at the end): only the last segment is copied to
 * put them back.
 */
function splitPlain(plain: Uint8Array, segments: readonly Uint8Array[], total: number): Uint8Array[] {
  const stripped = total - plain.length
  let o = 0
  return segments.map((segment, i) => {
    const start = o
    o += segment.length
    if (stripped === 0 || i < segments.length - 1) return plain.subarray(start, o)
    const last = new Uint8Array(segment.length)
    last.set(plain.subarray(start))
    return last.fill(stripped, segment.length - stripped)
  })
}

/** Record primitives on WebCrypto: the same code in a worker and in Node. */
export const webCryptoRecords: RecordCrypto = {
  name: 'WebCrypto',
  async keys(encKey, macKey) {
    const [aes, mac] = await Promise.all([
      crypto.subtle.importKey('raw', asArrayBufferView(encKey), { name: 'AES-CBC' }, false, [
        'encrypt',
        'decrypt',
      ]),
      importHmacKey('SHA-1', macKey),
    ])
    return new WebCryptoRecordKeys(aes, mac)
  },
}
