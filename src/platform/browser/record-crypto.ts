/**
 * TLS record primitives for the browser worker: AES-CBC on WebCrypto (one call per batch of
 * records, which is cheap), HMAC-SHA1 on hash-wasm, synchronously in the worker. WebCrypto's HMAC
 * was one call per 16 KiB record each way, each a hop to Chromium's thread pool and back: the
 * largest part of TLS's CPU per MB in a browser-to-browser sync (bench/browser, parts).
 *
 * One keyed hash-wasm instance per direction, reset for each record (init re-feeds the key's inner
 * block): `macs` runs to the end without awaiting, so no other call can interleave on it.
 */
import { createHMAC, createSHA1, type IHasher } from 'hash-wasm'
import { type RecordCrypto, type RecordKeys, webCryptoRecords } from '../../protocol/tls'

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
    // digest('binary') answers a fresh array each time: the results may be kept.
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
    const [aes, hmac] = await Promise.all([webCryptoRecords.keys(encKey, macKey), createHMAC(createSHA1(), macKey)])
    return new WasmMacRecordKeys(aes, hmac)
  },
}
