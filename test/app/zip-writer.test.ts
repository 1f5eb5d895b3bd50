import { execFileSync } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { crc32 } from '../../src/app/save/crc32'
import { zipStream, type ZipEntry, type ZipOptions } from '../../src/app/save/zip-writer'

let dirs: string[] = []
afterEach(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true })
  dirs = []
})

function streamOf(bytes: Uint8Array, chunk = 1000): ReadableStream<Uint8Array> {
  let at = 0
  return new ReadableStream({
    pull(controller) {
      if (at >= bytes.length) return controller.close()
      controller.enqueue(bytes.subarray(at, at + chunk))
      at += chunk
    },
  })
}

async function* entriesOf(files: Record<string, Uint8Array | null>): AsyncIterable<ZipEntry> {
  const modified = new Date(2024, 4, 17, 13, 45, 30)
  for (const [path, data] of Object.entries(files)) {
    yield data === null
      ? { path, size: 0, modified }
      : { path, size: data.length, modified, data: streamOf(data) }
  }
}

/** Writes the archive, checks it with Python's zipfile and Info-ZIP, and returns what Python reads back. */
async function roundTrip(
  files: Record<string, Uint8Array | null>,
  options: ZipOptions = {},
): Promise<Record<string, string>> {
  const dir = await mkdtemp(join(tmpdir(), 'cs-zip-'))
  dirs.push(dir)
  const path = join(dir, 'out.zip')
  const bytes = new Uint8Array(await new Response(zipStream(entriesOf(files), options)).arrayBuffer())
  await writeFile(path, bytes)
  execFileSync('python3', ['-m', 'zipfile', '-t', path])
  execFileSync('unzip', ['-tq', path])
  const script =
    'import sys,zipfile,json,hashlib\nz=zipfile.ZipFile(sys.argv[1])\nprint(json.dumps({i.filename: hashlib.sha256(z.read(i)).hexdigest() for i in z.infolist()}))'
  return JSON.parse(execFileSync('python3', ['-c', script, path], { encoding: 'utf8' })) as Record<
    string,
    string
  >
}

async function sha256(bytes: Uint8Array): Promise<string> {
  return Buffer.from(await crypto.subtle.digest('SHA-256', bytes)).toString('hex')
}

describe('crc32', () => {
  it('matches the check value of the standard, in one piece or in chunks', () => {
    const text = new TextEncoder().encode('123456789')
    expect(crc32(text)).toBe(0xcbf43926)
    expect(crc32(text.subarray(4), crc32(text.subarray(0, 4)))).toBe(0xcbf43926)
  })
})

describe('zipStream', () => {
  const big = new Uint8Array(300_001).map((_, i) => (i * 7) % 251)
  const files = {
    'notes.txt': new TextEncoder().encode('hello\n'),
    'Fotos/': null,
    'Fotos/strand ☀️.bin': big,
    'Fotos/empty.txt': new Uint8Array(0),
  }

  it('writes an archive that Python and unzip accept, byte for byte', async () => {
    const read = await roundTrip(files)
    expect(read).toEqual({
      'notes.txt': await sha256(files['notes.txt']),
      'Fotos/': await sha256(new Uint8Array(0)),
      'Fotos/strand ☀️.bin': await sha256(big),
      'Fotos/empty.txt': await sha256(new Uint8Array(0)),
    })
  })

  it('writes valid ZIP64 records and descriptors', async () => {
    const read = await roundTrip(files, { forceZip64: true })
    expect(read['Fotos/strand ☀️.bin']).toBe(await sha256(big))
    expect(Object.keys(read)).toHaveLength(4)
  })

  it('reads each file only as the reader asks for more (it streams)', async () => {
    let pulled = 0
    const data = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulled++
        if (pulled > 100) return controller.close()
        controller.enqueue(new Uint8Array(1000))
      },
    })
    async function* one(): AsyncIterable<ZipEntry> {
      yield { path: 'big.bin', size: 100_000, modified: new Date(), data }
    }
    const reader = zipStream(one()).getReader()
    await reader.read()
    await reader.read()
    expect(pulled).toBeLessThan(5)
    await reader.cancel()
  })

  it('refuses a file whose size changed while it was read', async () => {
    async function* one(): AsyncIterable<ZipEntry> {
      yield { path: 'a.txt', size: 10, modified: new Date(), data: streamOf(new Uint8Array(5)) }
    }
    await expect(new Response(zipStream(one())).arrayBuffer()).rejects.toThrow(/expected 10 bytes, read 5/)
  })
})
