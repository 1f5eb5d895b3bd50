/**
 * SyncTempFile gathers small appends into WRITE_BATCH_BYTES writes (each sync access handle write
 * has a fixed cost; 16 KiB writes to a private window's OPFS ran at about 8 MB/s). A fake handle in
 * memory counts the writes and can run out of quota; the real one is covered by
 * sync-temp-file.browser.ts. A file written in whole batches is grown ahead of its writes.
 */
import { expect, it } from 'vitest'
import { parseSharePath } from '../../src/protocol/directory/share-path'
import { PREALLOCATE_BYTES, SyncTempFile, WRITE_BATCH_BYTES } from '../../src/platform/browser/sync-temp-file'
import type { SyncAccessHandle } from '../../src/platform/browser/sync-access'
import { concatBytes } from '../../src/protocol/wire/bytes'
import { freshOpfsFolder } from './opfs'

const RECORD_BYTES = 16 * 1024
const MIB = 1024 * 1024

class MemoryHandle implements SyncAccessHandle {
  bytes = new Uint8Array(0)
  writes = 0
  sizeCalls = 0
  /** A write that would make the file larger than this throws QuotaExceededError after writing up to it. */
  quota = Number.POSITIVE_INFINITY

  write(buffer: Uint8Array<ArrayBuffer>, { at }: { at: number }): number {
    if (buffer.byteLength > 64) this.writes++ // the marks a grown file ends in are not counted
    const end = Math.min(at + buffer.byteLength, Math.max(this.quota, this.bytes.byteLength))
    if (end > at) {
      if (end > this.bytes.byteLength) this.resize(end)
      this.bytes.set(buffer.subarray(0, end - at), at)
    }
    if (end < at + buffer.byteLength) throw new DOMException('full', 'QuotaExceededError')
    return buffer.byteLength
  }
  read(buffer: Uint8Array<ArrayBuffer>, { at }: { at: number }): number {
    const part = this.bytes.subarray(at, at + buffer.byteLength)
    buffer.set(part)
    return part.byteLength
  }
  /** Cuts the file, or grows it with zeros as far as the quota allows (as OPFS does). */
  truncate(size: number): void {
    if (size > Math.max(this.quota, this.bytes.byteLength))
      throw new DOMException('full', 'QuotaExceededError')
    this.resize(size)
  }
  private resize(size: number): void {
    const resized = new Uint8Array(size)
    resized.set(this.bytes.subarray(0, size))
    this.bytes = resized
  }
  getSize(): number {
    this.sizeCalls++
    return this.bytes.byteLength
  }
  flush(): void {}
  close(): void {}
}

function pattern(length: number, seed: number): Uint8Array<ArrayBuffer> {
  return Uint8Array.from({ length }, (_, i) => (i * 31 + seed) & 0xff)
}

async function tempFile(access: MemoryHandle): Promise<SyncTempFile> {
  const { dir } = await freshOpfsFolder('batch')
  const handle = await dir.getFileHandle('t', { create: true })
  return new SyncTempFile(parseSharePath('/f'), 'ab'.repeat(32), dir, 't', handle, access)
}

/** Where two byte strings first differ (-1: equal); deep equality of megabytes is too slow for `toEqual`. */
function firstDifference(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < Math.max(a.byteLength, b.byteLength); i++) if (a[i] !== b[i]) return i
  return -1
}

async function readAll(temp: SyncTempFile): Promise<Uint8Array> {
  const parts: Uint8Array[] = []
  for await (const chunk of temp.read()) parts.push(chunk)
  return concatBytes(parts)
}

it('writes TLS-record-sized appends in batches, and reads and closes with every byte', async () => {
  const access = new MemoryHandle()
  const temp = await tempFile(access)
  // Two and a half batches' worth, none of the appends a whole record.
  const chunks = Array.from({ length: (WRITE_BATCH_BYTES / RECORD_BYTES) * 2.5 }, (_, i) =>
    pattern(RECORD_BYTES - (i % 7), i),
  )
  await Promise.all(chunks.map((chunk) => temp.append(chunk)))
  const expected = concatBytes(chunks)
  expect(temp.size).toBe(expected.byteLength)
  expect(access.writes).toBe(2)
  expect(firstDifference(await readAll(temp), expected)).toBe(-1)
  // A cut within what is gathered, then more: the file is what size says once closed.
  await temp.append(pattern(1000, 1))
  await temp.truncate(expected.byteLength + 10)
  await temp.append(pattern(5, 2))
  await temp.close()
  expect(firstDifference(access.bytes, concatBytes([expected, pattern(10, 1), pattern(5, 2)]))).toBe(-1)
})

it('writes a batch-sized append as it is, and a cut below what was written reaches the file', async () => {
  const access = new MemoryHandle()
  const temp = await tempFile(access)
  await temp.append(pattern(WRITE_BATCH_BYTES + 3, 0))
  expect(access.writes).toBe(1)
  await temp.append(pattern(100, 0))
  await temp.truncate(50)
  expect(temp.size).toBe(50)
  await temp.close()
  expect(firstDifference(access.bytes, pattern(50, 0))).toBe(-1)
})

it('a full quota cuts the file back to what was written before the batch, and size says so', async () => {
  const access = new MemoryHandle()
  // Too little to grow the file ahead of its writes: the writes themselves meet the quota.
  access.quota = WRITE_BATCH_BYTES + 1000
  const temp = await tempFile(access)
  await temp.append(pattern(WRITE_BATCH_BYTES, 0))
  const perBatch = WRITE_BATCH_BYTES / RECORD_BYTES
  const appends = Array.from({ length: perBatch + 16 }, (_, i) => temp.append(pattern(RECORD_BYTES, i)))
  const results = await Promise.allSettled(appends)
  const failed = results.find((r) => r.status === 'rejected')
  expect((failed as PromiseRejectedResult | undefined)?.reason).toMatchObject({ code: 'ERR_NO_SPACE' })
  expect(temp.size).toBe(WRITE_BATCH_BYTES + 16 * RECORD_BYTES)
  expect(access.getSize()).toBe(WRITE_BATCH_BYTES)
})

it('gathers a small file in a small buffer, growing it as appends come, and writes it once', async () => {
  const access = new MemoryHandle()
  const temp = await tempFile(access)
  const chunks = [pattern(3000, 1), pattern(70_000, 2), pattern(1, 3), pattern(200_000, 4)]
  for (const chunk of chunks) await temp.append(chunk)
  expect(access.writes).toBe(0)
  await temp.close()
  expect(access.writes).toBe(1)
  expect(firstDifference(access.bytes, concatBytes(chunks))).toBe(-1)
})

it('reads a fresh, empty temporary file without asking the handle anything', async () => {
  const access = new MemoryHandle()
  const temp = await tempFile(access)
  const calls = access.sizeCalls
  expect(await readAll(temp)).toEqual(new Uint8Array(0))
  expect(access.sizeCalls).toBe(calls)
})

it('grows a file written in batches ahead of its writes, and cuts it to its size when closed', async () => {
  const access = new MemoryHandle()
  const temp = await tempFile(access)
  const chunks = [
    pattern(WRITE_BATCH_BYTES + 5, 1),
    ...Array.from({ length: (WRITE_BATCH_BYTES / RECORD_BYTES) * 4 }, (_, i) => pattern(RECORD_BYTES, i)),
  ]
  for (const chunk of chunks.slice(0, -1)) await temp.append(chunk)
  // The first write grows the file to 4 MiB + 5 + PREALLOCATE_BYTES, which the next three batches
  // stay within; the fourth would reach the mark at its end, and grows it again, from its own end.
  expect(access.getSize()).toBe(WRITE_BATCH_BYTES + 5 + PREALLOCATE_BYTES)
  await temp.append(chunks.at(-1) as Uint8Array)
  expect(access.getSize()).toBe(5 * WRITE_BATCH_BYTES + 5 + PREALLOCATE_BYTES)
  const expected = concatBytes(chunks)
  expect(firstDifference(await readAll(temp), expected)).toBe(-1)
  await temp.close()
  expect(access.getSize()).toBe(expected.byteLength)
  expect(firstDifference(access.bytes, expected)).toBe(-1)
})

it('reopens a grown file left open (a crash) with what was written, however often, zeros and all', async () => {
  const access = new MemoryHandle()
  const crashed = await tempFile(access)
  // Ten 1 MiB appends of zeros, as the fetcher makes them: two batches written, one gathered.
  for (let i = 0; i < 10; i++) await crashed.append(new Uint8Array(MIB))
  expect(access.getSize()).toBeGreaterThan(10 * MIB)
  for (let opening = 0; opening < 3; opening++) {
    const reopened = await tempFile(access)
    expect(reopened.size).toBe(2 * WRITE_BATCH_BYTES)
    expect(access.getSize()).toBe(2 * WRITE_BATCH_BYTES)
  }
  // A file never grown (a small one, written at its close) keeps the zeros it ends in.
  const small = new MemoryHandle()
  const temp = await tempFile(small)
  await temp.append(new Uint8Array(1000))
  await temp.close()
  expect((await tempFile(small)).size).toBe(1000)
})
