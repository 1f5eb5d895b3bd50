/**
 * Record protection: round trips at every interesting length, and tampering of every kind fails
 * alike, with each set of record primitives (WebCrypto, node:crypto), and across them.
 */
import { beforeEach, describe, expect, it } from 'vitest'
import { nodeRecordCrypto } from '../../../src/platform/node/record-crypto'
import { CipherState } from '../../../src/protocol/tls/cipher'
import { type RecordCrypto, webCryptoRecords } from '../../../src/protocol/tls/record-crypto'
import { ContentType, MAC_BYTES } from '../../../src/protocol/tls/constants'
import { TlsError } from '../../../src/protocol/tls/errors'
import { type RawRecord, RecordDecoder, plaintextRecord, writeHeader } from '../../../src/protocol/tls/record'

const encKey = new Uint8Array(32).fill(1)
const macKey = new Uint8Array(20).fill(2)
const LENGTHS = [0, 1, 11, 12, 15, 16, 17, 31, 32, 33, 47, 48, 255, 1000, 16383, 16384]

function parse(bytes: Uint8Array): RawRecord {
  const d = new RecordDecoder()
  d.push(bytes)
  const r = d.next()
  if (!r) throw new Error('no whole record')
  return r
}

const PRIMITIVES: readonly RecordCrypto[] = [webCryptoRecords, nodeRecordCrypto]
let primitives: RecordCrypto = webCryptoRecords

async function pair(etm: boolean, from = primitives, to = primitives): Promise<[CipherState, CipherState]> {
  return [
    await CipherState.create(encKey, macKey, etm, from),
    await CipherState.create(encKey, macKey, etm, to),
  ]
}

/** A record of our own making: `plain` encrypted as is (so padding can be wrong), MACed as asked. */
async function craft(plain: Uint8Array, etm: boolean): Promise<Uint8Array> {
  const key = await crypto.subtle.importKey('raw', encKey, 'AES-CBC', false, ['encrypt'])
  const hmacKey = await crypto.subtle.importKey('raw', macKey, { name: 'HMAC', hash: 'SHA-1' }, false, [
    'sign',
  ])
  const iv = new Uint8Array(16).fill(9)
  const ct = new Uint8Array(await crypto.subtle.encrypt({ name: 'AES-CBC', iv }, key, plain)).subarray(
    0,
    plain.length,
  )
  const body = etm ? new Uint8Array(16 + ct.length + MAC_BYTES) : new Uint8Array(16 + ct.length)
  body.set(iv)
  body.set(ct, 16)
  if (etm) {
    const macInput = new Uint8Array(13 + 16 + ct.length)
    writeHeader(macInput, 8, ContentType.application_data, 16 + ct.length)
    macInput.set(body.subarray(0, 16 + ct.length), 13)
    body.set(new Uint8Array(await crypto.subtle.sign('HMAC', hmacKey, macInput)), 16 + ct.length)
  }
  const out = new Uint8Array(5 + body.length)
  writeHeader(out, 0, ContentType.application_data, body.length)
  out.set(body, 5)
  return out
}

async function macOver(data: Uint8Array): Promise<Uint8Array> {
  const hmacKey = await crypto.subtle.importKey('raw', macKey, { name: 'HMAC', hash: 'SHA-1' }, false, [
    'sign',
  ])
  const input = new Uint8Array(13 + data.length)
  writeHeader(input, 8, ContentType.application_data, data.length)
  input.set(data, 13)
  return new Uint8Array(await crypto.subtle.sign('HMAC', hmacKey, input))
}

async function expectBadRecordMac(p: Promise<unknown>): Promise<string> {
  const err = await p.catch((e: unknown) => e)
  expect(err).toBeInstanceOf(TlsError)
  expect((err as TlsError).code).toBe('ERR_TLS_BAD_RECORD_MAC')
  expect((err as TlsError).alert).toBe(20)
  return (err as TlsError).message
}

for (const [recordCrypto, etm] of PRIMITIVES.flatMap(
  (p) =>
    [
      [p, false],
      [p, true],
    ] as const,
)) {
  describe(`CipherState on ${recordCrypto.name}, encrypt-then-MAC ${etm ? 'on' : 'off'}`, () => {
    beforeEach(() => {
      primitives = recordCrypto
    })

    it('round-trips every interesting length, in sequence', async () => {
      const [tx, rx] = await pair(etm)
      for (const n of LENGTHS) {
        const data = crypto.getRandomValues(new Uint8Array(n))
        const record = await tx.seal(ContentType.application_data, data)
        expect(record.length % 16).toBe(etm ? (5 + MAC_BYTES) % 16 : 5)
        expect(Buffer.compare(await rx.open(parse(record)), data)).toBe(0)
      }
    })

    it('seals and opens batches as one CBC chain, interchangeably with single records', async () => {
      const chunks = LENGTHS.map((n) => crypto.getRandomValues(new Uint8Array(n)))
      const [tx, rx] = await pair(etm)
      // A batch sealed in one call, opened one record at a time…
      const d = new RecordDecoder()
      d.push(await tx.sealMany(ContentType.application_data, chunks))
      for (const c of chunks) expect(Buffer.compare(await rx.open(d.next() as RawRecord), c)).toBe(0)
      // …and single records opened as one batch.
      for (const c of chunks) d.push(await tx.seal(ContentType.application_data, c))
      const batch: RawRecord[] = []
      for (let r = d.next(); r; r = d.next()) batch.push(r)
      const opened = await rx.openMany(batch)
      opened.forEach((p, i) => expect(Buffer.compare(p, chunks[i] as Uint8Array)).toBe(0))
    })

    it('seals chunks joined into full records, wherever the chunks start and end', async () => {
      const chunks = [1, 16383, 2, 40000, 0, 7, 16384].map((n) => crypto.getRandomValues(new Uint8Array(n)))
      const joined = Buffer.concat(chunks)
      const [tx, rx] = await pair(etm)
      const d = new RecordDecoder()
      d.push(await tx.sealJoined(ContentType.application_data, chunks))
      const batch: RawRecord[] = []
      for (let r = d.next(); r; r = d.next()) batch.push(r)
      const opened = await rx.openMany(batch)
      expect(opened.map((p) => p.length)).toEqual([16384, 16384, 16384, 16384, 7241])
      expect(Buffer.compare(Buffer.concat(opened), joined)).toBe(0)
    })

    it('opens records that arrive in chunks of any size, and never writes to the bytes received', async () => {
      const chunks = LENGTHS.map((n) => crypto.getRandomValues(new Uint8Array(n)))
      const [tx, rx] = await pair(etm)
      const sealed = await tx.sealMany(ContentType.application_data, chunks)
      const received = sealed.slice()
      const d = new RecordDecoder()
      for (let o = 0, step = 1; o < received.length; o += step, step = 1 + ((step * 7 + 3) % 5000))
        d.push(received.subarray(o, o + step))
      const batch: RawRecord[] = []
      for (let r = d.next(); r; r = d.next()) batch.push(r)
      const opened = await rx.openMany(batch)
      opened.forEach((p, i) => expect(Buffer.compare(p, chunks[i] as Uint8Array)).toBe(0))
      expect(Buffer.compare(received, sealed)).toBe(0)
    })

    it('fails a whole batch when one record in it is tampered with', async () => {
      const [tx, rx] = await pair(etm)
      const d = new RecordDecoder()
      d.push(
        await tx.sealMany(ContentType.application_data, [
          new Uint8Array(100),
          new Uint8Array(100),
          new Uint8Array(100),
        ]),
      )
      const batch = [d.next(), d.next(), d.next()] as RawRecord[]
      const middle = batch[1] as RawRecord
      middle.fragment[middle.fragment.length - 4] =
        (middle.fragment[middle.fragment.length - 4] as number) ^ 1
      await expectBadRecordMac(rx.openMany(batch))
    })

    it('rejects a flipped bit anywhere in the record as bad_record_mac', async () => {
      const data = crypto.getRandomValues(new Uint8Array(100))
      const [tx] = await pair(etm)
      const record = await tx.seal(ContentType.application_data, data)
      for (let i = 5; i < record.length; i += 7) {
        const [, rx] = await pair(etm)
        const bad = record.slice()
        bad[i] = (bad[i] as number) ^ 0x40
        await expectBadRecordMac(rx.open(parse(bad)))
      }
    })

    it('rejects a record replayed out of sequence', async () => {
      const [tx, rx] = await pair(etm)
      const first = await tx.seal(ContentType.application_data, new Uint8Array(10))
      await rx.open(parse(first))
      await expectBadRecordMac(rx.open(parse(first)))
    })

    it('answers bad padding exactly as a bad MAC', async () => {
      const data = new Uint8Array(12).fill(5)
      // Padding bytes that disagree with the padding length byte, under a correct MAC.
      const plain = etm ? new Uint8Array(16) : new Uint8Array(48)
      plain.set(data)
      if (!etm) plain.set(await macOver(data), 12)
      plain.fill(7, etm ? 12 : 32)
      plain[plain.length - 2] = 6
      const [, rx1] = await pair(etm)
      const badPadding = await expectBadRecordMac(rx1.open(parse(await craft(plain, etm))))
      const [tx, rx2] = await pair(etm)
      const good = await tx.seal(ContentType.application_data, data)
      good[good.length - (etm ? 1 : 17)] = (good[good.length - (etm ? 1 : 17)] as number) ^ 1
      const badMac = await expectBadRecordMac(rx2.open(parse(good)))
      if (!etm) expect(badPadding).toBe(badMac)
    })

    it('opens records with any valid padding length: 0, 1 to 16, and over 16 bytes', async () => {
      for (const padLength of [0, 1, 15, 16, 30, 251]) {
        const macLength = etm ? 0 : MAC_BYTES
        const dataLength = 16 + ((16 - ((macLength + padLength + 1) % 16)) % 16)
        const data = crypto.getRandomValues(new Uint8Array(dataLength))
        const mac = etm ? new Uint8Array(0) : await macOver(data)
        const plain = new Uint8Array(dataLength + mac.length + padLength + 1)
        plain.set(data)
        plain.set(mac, dataLength)
        plain.fill(padLength, dataLength + mac.length)
        expect(plain.length % 16, `${dataLength} + ${padLength}`).toBe(0)
        const [, rx] = await pair(etm)
        expect(Buffer.compare(await rx.open(parse(await craft(plain, etm))), data)).toBe(0)
      }
    })

    it('rejects ciphertext that is not whole blocks, or too short', async () => {
      for (const len of [0, 15, 16, 17, 31, 33, 52]) {
        const [, rx] = await pair(etm)
        const rec = new Uint8Array(5 + len)
        writeHeader(rec, 0, ContentType.application_data, len)
        await expectBadRecordMac(rx.open(parse(rec)))
      }
    })

    it('rejects a decrypted fragment over 2^14 bytes as record_overflow', async () => {
      const n = 16384 + 16
      const data = new Uint8Array(n)
      const padLength = etm ? 15 - (n % 16) : 15 - ((n + MAC_BYTES) % 16)
      const plain = new Uint8Array(n + (etm ? 0 : MAC_BYTES) + padLength + 1)
      plain.set(data)
      if (!etm) plain.set(await macOver(data), n)
      plain.fill(padLength, plain.length - padLength - 1)
      const [, rx] = await pair(etm)
      const err = await rx.open(parse(await craft(plain, etm))).catch((e: unknown) => e)
      expect((err as TlsError).code).toBe('ERR_TLS_RECORD_OVERFLOW')
    })
  })
}

describe('record primitives interoperate', () => {
  for (const etm of [false, true]) {
    it(`WebCrypto and node:crypto open each other's batches, encrypt-then-MAC ${etm ? 'on' : 'off'}`, async () => {
      const chunks = LENGTHS.map((n) => crypto.getRandomValues(new Uint8Array(n)))
      for (const [from, to] of [
        [webCryptoRecords, nodeRecordCrypto],
        [nodeRecordCrypto, webCryptoRecords],
      ] as const) {
        const [tx, rx] = await pair(etm, from, to)
        const d = new RecordDecoder()
        d.push(await tx.sealMany(ContentType.application_data, chunks))
        const batch: RawRecord[] = []
        for (let r = d.next(); r; r = d.next()) batch.push(r)
        const opened = await rx.openMany(batch)
        opened.forEach((p, i) =>
          expect(Buffer.compare(p, chunks[i] as Uint8Array), `${from.name} to ${to.name}`).toBe(0),
        )
      }
    })
  }
})

describe('WebCrypto record primitives', () => {
  // Node's WebCrypto reads its input after the call returns: joined parts must not share a buffer.
  it('answer overlapping MAC calls over parts, each over its own inputs', async () => {
    const [web, node] = await Promise.all([
      webCryptoRecords.keys(encKey, macKey),
      nodeRecordCrypto.keys(encKey, macKey),
    ])
    const calls = [1, 2, 3].map((c) =>
      LENGTHS.map((n) => [
        crypto.getRandomValues(new Uint8Array(13)),
        crypto.getRandomValues(new Uint8Array(n + c)),
      ]),
    )
    const pending = calls.map((inputs) => web.macs(inputs))
    const hex = (macs: Uint8Array[]): string[] => macs.map((m) => Buffer.from(m).toString('hex'))
    for (const [i, inputs] of calls.entries())
      expect(hex((await pending[i]) ?? [])).toEqual(hex(await node.macs(inputs)))
  })
})

it('decodes a record whole in one chunk as a view of it, and one split across chunks into bytes of its own', () => {
  // 40 records of 16 KiB: more than one of the decoder's buffers holds.
  const fragments = Array.from({ length: 40 }, (_, i) => new Uint8Array(16384).fill(i + 1))
  const stream = Buffer.concat(fragments.map((f) => plaintextRecord(ContentType.application_data, f)))
  // Chunks of 10,000 bytes: almost every record spans two or three of them.
  const chunks = Array.from({ length: Math.ceil(stream.length / 10_000) }, (_, i) =>
    stream.subarray(i * 10_000, (i + 1) * 10_000),
  )
  const split = new RecordDecoder()
  const records: RawRecord[] = []
  for (const chunk of chunks) {
    split.push(chunk)
    for (let r = split.next(); r; r = split.next()) records.push(r)
  }
  stream.fill(0) // the chunks: copies are not views of them, and later records do not change earlier ones
  expect(records.map((r, i) => Buffer.compare(r.fragment, fragments[i] as Uint8Array))).toEqual(
    fragments.map(() => 0),
  )

  const whole = new RecordDecoder()
  const one = plaintextRecord(ContentType.application_data, new Uint8Array(100).fill(9))
  whole.push(one)
  const record = whole.next()
  expect(record?.fragment).toEqual(new Uint8Array(100).fill(9))
  expect(record?.fragment.buffer).toBe(one.buffer) // a view, not a copy
})
