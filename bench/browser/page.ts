/**
 * The in-page half of bench/browser: each figure is a function on `window.clearskiesBench`, called
 * by index.ts through Playwright. Runs in the page's main thread, as the worker would, with OPFS.
 */
import { createSHA256 } from 'hash-wasm'
import { hashStream } from '../../src/protocol/directory/hasher'
import { parseSharePath } from '../../src/protocol/directory/share-path'
import { FsaFileStore } from '../../src/platform/browser/fsa-file-store'
import { createWasmHasher } from '../../src/platform/browser/wasm-hasher'
import type { HashRequest } from './hash-worker'
import type { PartRequest } from './parts-worker'

const MiB = 1024 * 1024
const IN_MEMORY_MIB = 64
const PIECE_BYTES = MiB

export interface HashingRound {
  /** MB/s (10^6 bytes a second) of each way of hashing the same number of bytes. */
  readonly inMemory: number
  readonly fileStore: number
  /** The same in a dedicated worker, as the engine hashes. */
  readonly fileStoreInWorker: number
  readonly blobStream: number
}

async function writeFile(dir: FileSystemDirectoryHandle, name: string, mib: number): Promise<File> {
  const handle = await dir.getFileHandle(name, { create: true })
  const writable = await handle.createWritable()
  const piece = new Uint8Array(8 * MiB).map((_, i) => (i * 31 + (i >> 13)) & 0xff)
  for (let written = 0; written < mib; written += 8) await writable.write(piece)
  await writable.close()
  return handle.getFile()
}

function rate(bytes: number, ms: number): number {
  return bytes / 1e6 / (ms / 1000)
}

async function timed(run: () => Promise<unknown>): Promise<number> {
  const start = performance.now()
  await run()
  return performance.now() - start
}

/** hash-wasm over a buffer already in memory, in 1 MiB pieces as the file path hands them over. */
async function hashInMemory(buffer: Uint8Array, totalBytes: number): Promise<void> {
  const hasher = await createSHA256()
  for (let done = 0; done < totalBytes; done += buffer.byteLength) {
    for (let at = 0; at < buffer.byteLength; at += PIECE_BYTES)
      hasher.update(buffer.subarray(at, at + PIECE_BYTES))
  }
  hasher.digest('hex')
}

/** Times one hash of `name` by the worker; the worker is warmed up by the first call. */
function hashInWorker(worker: Worker, request: HashRequest): Promise<number> {
  return new Promise((resolve, reject) => {
    worker.onmessage = (event: MessageEvent<number | string>) =>
      typeof event.data === 'number' ? resolve(event.data) : reject(new Error(event.data))
    worker.postMessage(request)
  })
}

async function hashBlobStream(file: File): Promise<void> {
  const hasher = await createSHA256()
  for await (const chunk of file.stream()) hasher.update(chunk)
  hasher.digest('hex')
}

/** One file of `fileMiB` in OPFS, then `rounds` rounds of the three ways, interleaved. */
async function hashing(fileMiB: number, rounds: number): Promise<HashingRound[]> {
  const root = await navigator.storage.getDirectory()
  const dir = await root.getDirectoryHandle(`bench-${Date.now()}`, { create: true })
  try {
    const file = await writeFile(dir, 'big.bin', fileMiB)
    const store = new FsaFileStore(dir)
    const path = parseSharePath('/big.bin')
    const memory = new Uint8Array(IN_MEMORY_MIB * MiB).map((_, i) => i & 0xff)
    await hashInMemory(memory, memory.byteLength) // warm-up: compile and tier up the WebAssembly
    const worker = new Worker(new URL('./hash-worker.ts', import.meta.url), { type: 'module' })
    await hashInWorker(worker, { dir, name: 'big.bin' })
    const out: HashingRound[] = []
    for (let round = 0; round < rounds; round++) {
      out.push({
        inMemory: rate(file.size, await timed(() => hashInMemory(memory, file.size))),
        fileStore: rate(file.size, await timed(() => hashStream(store.read(path), createWasmHasher))),
        fileStoreInWorker: rate(file.size, await hashInWorker(worker, { dir, name: 'big.bin' })),
        blobStream: rate(file.size, await timed(() => hashBlobStream(file))),
      })
    }
    worker.terminate()
    return out
  } finally {
    await root.removeEntry(dir.name, { recursive: true })
  }
}

let partsWorker: Worker | undefined

/** Milliseconds one part of a sync took alone in a worker (parts-worker.ts), `mib` MiB of it. */
async function part(name: PartRequest['part'], mib: number): Promise<number> {
  partsWorker ??= new Worker(new URL('./parts-worker.ts', import.meta.url), { type: 'module' })
  const root = await navigator.storage.getDirectory()
  const dir = await root.getDirectoryHandle(`parts-${Date.now()}`, { create: true })
  try {
    const worker = partsWorker
    return await new Promise<number>((resolve, reject) => {
      worker.onmessage = (event: MessageEvent<number | string>) =>
        typeof event.data === 'number' ? resolve(event.data) : reject(new Error(event.data))
      worker.postMessage({ part: name, mib, dir } satisfies PartRequest)
    })
  } finally {
    await root.removeEntry(dir.name, { recursive: true })
  }
}

const bench = { hashing, part }
export type BrowserBench = typeof bench

declare global {
  interface Window {
    clearskiesBench: BrowserBench
  }
}
window.clearskiesBench = bench
