/**
 * TLS record primitives for the browser worker.
 *
 * `browserRecordCrypto`, what the engine uses: WebCrypto (the protocol's `webCryptoRecords`), with
 * a MAC input given in parts (a received record's sequence number and header, then its fragment
 * where it lies) joined in a buffer kept for reuse instead of a fresh one per record. In Chromium
 * WebCrypto runs on the calling thread, synchronously, and copies its input as it is called: a
 * call costs no thread hop, and a fresh buffer of every byte received (0.6-1 ms of CPU a MB:
 * allocation, zeroing, collection) cost about as much as the HMAC itself.
 *
 * `wasmMacRecordCrypto`, measured and not used: HMAC-SHA1 on hash-wasm (AES on WebCrypto). It
 * reads the parts where they lie, but hash-wasm's SHA-1 (about 2 ms of CPU a MB here) is slower
 * than BoringSSL's behind WebCrypto (about 0.85, the call included): TLS seal + open took 13.3
 * against 12.2 ms a MB (bench/browser parts), and a 256 MiB sync did no better. Kept for browsers
 * whose WebCrypto answers through another thread, and tested against WebCrypto's both ways.
 */
import { createHMAC, createSHA1, type IHasher } from 'hash-wasm'
import { type RecordCrypto, type RecordKeys, webCryptoRecords } from '../../protocol/tls'

/** MAC inputs given in parts are joined here, end to end; grown as needed, never shrunk. */
class JoinedMacInputs implements RecordKeys {
  private scratch = new Uint8Array(0)

  constructor(private readonly inner: RecordKeys) {}

  encrypt(iv: Uint8Array, blocks: Uint8Array): Promise<Uint8Array> {
    return this.inner.encrypt(iv, blocks)
  }

  decrypt(segments: readonly Uint8Array[], verified: boolean): Promise<Uint8Array[]> {
    return this.inner.decrypt(segments, verified)
  }

  macs(inputs: readonly (readonly Uint8Array[])[]): Promise<Uint8Array[]> {
    let joined = 0
    for (const parts of inputs) if (parts.length > 1) for (const part of parts) joined += part.length
    if (joined === 0) return this.inner.macs(inputs)
    if (this.scratch.length < joined) this.scratch = new Uint8Array(Math.max(joined, 2 * this.scratch.length))
    const scratch = this.scratch
    let at = 0
    const whole = inputs.map((parts) => {
      if (parts.length === 1) return parts
      const start = at
      for (const part of parts) {
        scratch.set(part, at)
        at += part.length
      }
      return [scratch.subarray(start, at)]
    })
    // The inner call copies every input before it returns (WebCrypto takes a copy of its data as
    // it is called): the next call may write over the scratch, even while this one is pending.
    return this.inner.macs(whole)
  }
}

export const browserRecordCrypto: RecordCrypto = {
  name: 'WebCrypto, MAC parts joined in place',
  async keys(encKey, macKey) {
    return new JoinedMacInputs(await webCryptoRecords.keys(encKey, macKey))
  },
}

class WasmMacRecordKeys implements RecordKeys {
  constructor(
    private readonly aes: RecordKeys,
    private readonly hmac: IHasher,
  ) {}

  encrypt(iv: Uint8Array, blocks: Uint8Array): Promise<Uint8Array> {
    return this.aes.encrypt(iv, blocks)
  }

  decrypt(segments: readonly Uint8Array[], verified: boolean): Promise<Uint8Array[]> {
    return this.aes.decrypt(segments, verified)
  }

  async macs(inputs: readonly (readonly Uint8Array[])[]): Promise<Uint8Array[]> {
    // One keyed instance per direction, reset per record; this runs to the end without awaiting,
    // so no other call interleaves on it. digest('binary') answers a fresh array each time.
    return inputs.map((parts) => {
      this.hmac.init()
      for (const part of parts) this.hmac.update(part)
      return this.hmac.digest('binary')
    })
  }
}

export const wasmMacRecordCrypto: RecordCrypto = {
  name: 'WebCrypto AES + hash-wasm HMAC',
  async keys(encKey, macKey) {
    // webCryptoRecords imports an HMAC key too, unused here: once per connection and direction.
    const [aes, hmac] = await Promise.all([
      webCryptoRecords.keys(encKey, macKey),
      createHMAC(createSHA1(), macKey),
    ])
    return new WasmMacRecordKeys(aes, hmac)
  },
}
