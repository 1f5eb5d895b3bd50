/**
 * The browser's TLS record primitives in Chromium (src/platform/browser/record-crypto.ts: WebCrypto
 * with MAC inputs joined in a reused buffer, and WebCrypto AES with hash-wasm HMAC-SHA1): records
 * sealed by each open with the protocol's WebCrypto primitives and the other way round,
 * encrypt-then-MAC on and off, and a record tampered with fails as bad_record_mac whichever
 * primitives open it.
 */
import { describe, expect, it } from 'vitest'
import { browserRecordCrypto, wasmMacRecordCrypto } from '../../src/platform/browser/record-crypto'
import { CipherState } from '../../src/protocol/tls/cipher'
import { ContentType } from '../../src/protocol/tls/constants'
import { TlsError } from '../../src/protocol/tls/errors'
import { type RawRecord, RecordDecoder } from '../../src/protocol/tls/record'
import { type RecordCrypto, webCryptoRecords } from '../../src/protocol/tls/record-crypto'

const LENGTHS = [0, 1, 15, 16, 17, 255, 16383, 16384]
const encKey = crypto.getRandomValues(new Uint8Array(32))
const macKey = crypto.getRandomValues(new Uint8Array(20))

function records(bytes: Uint8Array): RawRecord[] {
  const d = new RecordDecoder()
  d.push(bytes)
  const out: RawRecord[] = []
  for (let r = d.next(); r; r = d.next()) out.push(r)
  return out
}

async function expectBadRecordMac(p: Promise<unknown>): Promise<void> {
  const err = await p.catch((e: unknown) => e)
  expect(err).toBeInstanceOf(TlsError)
  expect((err as TlsError).code).toBe('ERR_TLS_BAD_RECORD_MAC')
}

for (const [name, ours] of [
  ['browserRecordCrypto', browserRecordCrypto],
  ['wasmMacRecordCrypto', wasmMacRecordCrypto],
] as const) {
  const ways: ReadonlyArray<readonly [string, RecordCrypto, RecordCrypto]> = [
    [`${name} seals, WebCrypto opens`, ours, webCryptoRecords],
    [`WebCrypto seals, ${name} opens`, webCryptoRecords, ours],
    [`${name} both ways`, ours, ours],
  ]

  describe(name, () => {
    it('computes the same HMAC-SHA1 as WebCrypto, over inputs in parts that share a buffer', async () => {
      const [mine, theirs] = await Promise.all([
        ours.keys(encKey, macKey),
        webCryptoRecords.keys(encKey, macKey),
      ])
      const buffer = crypto.getRandomValues(new Uint8Array(40_000))
      const inputs = LENGTHS.map((n, i) => [
        buffer.subarray(i * 7, i * 7 + 13),
        buffer.subarray(i * 7 + 13, i * 7 + 13 + n),
      ])
      const before = buffer.slice()
      const macs = await mine.macs(inputs)
      expect(macs).toEqual(await theirs.macs(inputs))
      expect(new Set(macs.map((m) => m.buffer)).size).toBe(macs.length) // each its own array
      expect(buffer).toEqual(before)
    })

    it('keeps each call its own inputs when the next call comes before it answers', async () => {
      const [mine, theirs] = await Promise.all([
        ours.keys(encKey, macKey),
        webCryptoRecords.keys(encKey, macKey),
      ])
      const calls = [1, 2, 3].map((k) =>
        LENGTHS.map((n) => [new Uint8Array(13).fill(k), new Uint8Array(n).fill(k + 10)]),
      )
      const pending = calls.map((inputs) => mine.macs(inputs)) // not awaited in between
      for (const [i, inputs] of calls.entries()) expect(await pending[i]).toEqual(await theirs.macs(inputs))
    })

    for (const etm of [false, true]) {
      for (const [way, sealer, opener] of ways) {
        describe(`${way}, encrypt-then-MAC ${etm ? 'on' : 'off'}`, () => {
          it('opens records of every length one by one, in sequence', async () => {
            const tx = await CipherState.create(encKey, macKey, etm, sealer)
            const rx = await CipherState.create(encKey, macKey, etm, opener)
            for (const n of LENGTHS) {
              const data = crypto.getRandomValues(new Uint8Array(n))
              const [record] = records(await tx.seal(ContentType.application_data, data))
              expect(await rx.open(record as RawRecord)).toEqual(data)
            }
          })

          it('opens a batch sealed as one chain', async () => {
            const tx = await CipherState.create(encKey, macKey, etm, sealer)
            const rx = await CipherState.create(encKey, macKey, etm, opener)
            const chunks = LENGTHS.map((n) => crypto.getRandomValues(new Uint8Array(n)))
            const opened = await rx.openMany(records(await tx.sealMany(ContentType.application_data, chunks)))
            expect(opened).toEqual(chunks)
          })

          it('fails a tampered record as bad_record_mac, at every length', async () => {
            for (const n of LENGTHS) {
              const tx = await CipherState.create(encKey, macKey, etm, sealer)
              const sealed = await tx.seal(
                ContentType.application_data,
                crypto.getRandomValues(new Uint8Array(n)),
              )
              // A bit flipped in the IV, in the first and the last ciphertext block, and in the last byte.
              for (const at of [5, 5 + 16, sealed.length - 17, sealed.length - 1]) {
                const rx = await CipherState.create(encKey, macKey, etm, opener)
                const bad = sealed.slice()
                bad[at] = (bad[at] as number) ^ 0x01
                await expectBadRecordMac(rx.open(records(bad)[0] as RawRecord))
              }
              const rx = await CipherState.create(encKey, macKey, etm, opener)
              expect((await rx.open(records(sealed)[0] as RawRecord)).length).toBe(n) // the record itself was good
            }
          })

          it('fails a record opened out of sequence as bad_record_mac', async () => {
            const tx = await CipherState.create(encKey, macKey, etm, sealer)
            const rx = await CipherState.create(encKey, macKey, etm, opener)
            const first = await tx.seal(ContentType.application_data, new Uint8Array(100))
            await rx.open(records(first)[0] as RawRecord)
            await expectBadRecordMac(rx.open(records(first)[0] as RawRecord))
          })
        })
      }
    }
  })
}
