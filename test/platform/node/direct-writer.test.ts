import { mkdtemp, readFile, readlink, readdir, rm } from 'node:fs/promises'
import { constants, openSync, closeSync, writeSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { TempFile } from '../../../src/protocol/directory/file-store'
import { parseSharePath } from '../../../src/protocol/directory/share-path'
import {
  ALIGN_BYTES,
  BUFFERS_PER_FILE,
  DIRECT_BUFFER_BYTES,
  DirectWriter,
} from '../../../src/platform/node/direct-writer'
import { DIRECT_FROM_BYTES, FsFileStore, nameRulesFor } from '../../../src/platform/node/fs-file-store'
import { collect } from '../../protocol/directory/file-store-contract'

/** Bytes no two offsets of which repeat within a block, so a block written at a wrong place shows. */
function pattern(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length)
  let x = seed
  for (let i = 0; i < length; i++) {
    x = (x * 1103515245 + 12345) >>> 0
    out[i] = x >>> 24
  }
  return out
}

/** Whole-array equality without vitest's element-by-element diff (megabytes here). */
function same(actual: Uint8Array, expected: Uint8Array): boolean {
  return Buffer.from(actual.buffer, actual.byteOffset, actual.byteLength).equals(expected)
}

/** Descriptors of this process open on `file`: two while it is written directly. */
async function descriptorsOn(file: string): Promise<number[]> {
  const fds: number[] = []
  for (const fd of await readdir('/proc/self/fd'))
    if ((await readlink(`/proc/self/fd/${fd}`).catch(() => '')) === file) fds.push(Number(fd))
  return fds.sort((a, b) => a - b)
}

let dir: string
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'clearskies-direct-'))
})
afterEach(async () => {
  await rm(dir, { recursive: true, force: true })
})

describe('DirectWriter', () => {
  it('appends after a partial last block, in pieces of any size, and drains a tail that is not whole blocks', async () => {
    const file = join(dir, 'f')
    const head = pattern(ALIGN_BYTES * 3 + 1234, 1)
    const fd = openSync(file, constants.O_RDWR | constants.O_CREAT)
    try {
      writeSync(fd, head, 0, head.length, 0)
      const writer = DirectWriter.open(fd, head.length)
      expect(writer, 'this file system takes O_DIRECT (ext4 here)').toBeDefined()
      // Round the ring of buffers twice.
      const body = pattern(DIRECT_BUFFER_BYTES * (2 * BUFFERS_PER_FILE + 1) + 777, 2)
      for (let at = 0, size = 1; at < body.length; at += size, size = (size * 5 + 3) % 400_000)
        await writer!.append(body.subarray(at, at + size))
      expect(await descriptorsOn(file)).toHaveLength(2)
      await writer!.drain()
      expect(same(await readFile(file), Buffer.concat([head, body]))).toBe(true)
      // Appending goes on after a drain that left a partial block.
      const more = pattern(ALIGN_BYTES + 5, 3)
      await writer!.append(more)
      await writer!.close()
      expect(await descriptorsOn(file)).toHaveLength(1)
      expect(same(await readFile(file), Buffer.concat([head, body, more]))).toBe(true)
    } finally {
      closeSync(fd)
    }
  })

  it('is not given when every buffer is in use, and is again once one is let go', async () => {
    const fds = Array.from({ length: 5 }, (_, i) =>
      openSync(join(dir, `f${i}`), constants.O_RDWR | constants.O_CREAT),
    )
    try {
      const writers = fds.map((fd) => DirectWriter.open(fd, 0))
      expect(writers.map((w) => w !== undefined)).toEqual([true, true, true, true, false])
      await writers[0]!.abandon()
      const again = DirectWriter.open(fds[4]!, 0)
      expect(again).toBeDefined()
      for (const w of [again, ...writers.slice(1, 4)]) await w!.abandon()
    } finally {
      for (const fd of fds) closeSync(fd)
    }
  })
})

describe('FsFileStore temporary files past DIRECT_FROM_BYTES', () => {
  it('write directly, and read back, cut, resume and commit the same bytes as written', async () => {
    const store = new FsFileStore(dir, { names: nameRulesFor('linux') })
    const path = parseSharePath('/big.bin')
    const data = pattern(DIRECT_FROM_BYTES + 5 * DIRECT_BUFFER_BYTES + 4321, 4)
    const step = 1_000_003
    let temp = await store.openTemp(path, 'e'.repeat(64), { fresh: true })
    const tempFile = join(dir, (await readdir(dir))[0]!)
    let at = 0
    for (; at < DIRECT_FROM_BYTES + 2 * step; at += step) await temp.append(data.subarray(at, at + step))
    expect(await descriptorsOn(tempFile)).toHaveLength(2)
    expect(same((await collect(temp.read())).bytes, data.subarray(0, at))).toBe(true)

    // Cut back to an odd length, close, reopen to resume, and go on past the threshold again.
    const cut = at - 12_345
    await temp.truncate(cut)
    await temp.close()
    expect(await descriptorsOn(tempFile)).toHaveLength(0)
    temp = await store.openTemp(path, 'e'.repeat(64))
    expect(temp.size).toBe(cut)
    for (at = cut; at < data.length; at += step)
      await temp.append(data.subarray(at, Math.min(at + step, data.length)))
    const result = await store.commit(temp, { expected: { kind: 'absent' } })
    expect(result.ok).toBe(true)
    expect(await descriptorsOn(join(dir, 'big.bin'))).toHaveLength(0)
    expect(same(await readFile(join(dir, 'big.bin')), data)).toBe(true)
  })

  it('after a failed direct write, report it once and go on from where the file really ends', async () => {
    const store = new FsFileStore(dir, { names: nameRulesFor('linux') })
    // Enough after the failure for the writer to wait on a buffer queued after it.
    const data = pattern(DIRECT_FROM_BYTES + (BUFFERS_PER_FILE + 3) * DIRECT_BUFFER_BYTES, 5)
    const temp = await store.openTemp(parseSharePath('/big.bin'), 'f'.repeat(64), { fresh: true })
    const tempFile = join(dir, (await readdir(dir))[0]!)
    let at = 0
    for (; at < DIRECT_FROM_BYTES + DIRECT_BUFFER_BYTES; at += DIRECT_BUFFER_BYTES)
      await temp.append(data.subarray(at, at + DIRECT_BUFFER_BYTES))
    // The direct descriptor (opened last) goes away: its next write fails as a full disk would.
    closeSync((await descriptorsOn(tempFile))[1]!)
    let failure: unknown
    for (; at < data.length && !failure; at += DIRECT_BUFFER_BYTES)
      await temp.append(data.subarray(at, at + DIRECT_BUFFER_BYTES)).catch((err: unknown) => (failure = err))
    expect(String(failure)).toMatch(/EBADF/)
    const onDisk = (await readFile(tempFile)).byteLength
    expect(temp.size).toBe(onDisk)
    await temp.append(data.subarray(onDisk))
    expect(same((await collect(temp.read())).bytes, data)).toBe(true)
    await temp.close()
  })

  it.each([
    ['reading it back', (temp: TempFile) => collect(temp.read())],
    ['cutting it', (temp: TempFile) => temp.truncate(temp.size)],
  ])('after a failed drain on %s, report it and go on from where the file really ends', async (_, drain) => {
    const store = new FsFileStore(dir, { names: nameRulesFor('linux') })
    const data = pattern(DIRECT_FROM_BYTES + 4 * DIRECT_BUFFER_BYTES, 6)
    const temp = await store.openTemp(parseSharePath('/big.bin'), 'a'.repeat(64), { fresh: true })
    const tempFile = join(dir, (await readdir(dir))[0]!)
    // Past the threshold: a full buffer queued, and whole blocks and a partial one gathered.
    const gathered = DIRECT_FROM_BYTES + 2 * DIRECT_BUFFER_BYTES + 3 * ALIGN_BYTES + 100
    const step = 1_000_003
    for (let at = 0; at < gathered; at += step)
      await temp.append(data.subarray(at, Math.min(at + step, gathered)))
    const fds = await descriptorsOn(tempFile)
    expect(fds).toHaveLength(2)
    const directFd = fds[1]!
    // The direct descriptor becomes one open for reading only, so its writes fail as a full disk's
    // would; the writer's own close then closes that one, not a number some other file reuses.
    closeSync(directFd)
    expect(openSync('/dev/null', constants.O_RDONLY)).toBe(directFd)
    await expect(drain(temp)).rejects.toThrow(/EBADF/)
    const onDisk = (await readFile(tempFile)).byteLength
    expect(onDisk).toBeLessThan(gathered)
    expect(temp.size).toBe(onDisk)
    await temp.append(data.subarray(onDisk))
    expect(same((await collect(temp.read())).bytes, data)).toBe(true)
    await temp.close()
    expect(await descriptorsOn(tempFile)).toHaveLength(0)
  })
})
