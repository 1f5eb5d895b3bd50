/**
 * Sync between two fresh browser peers through the real app: the app built by Vite into a
 * temporary folder, served by the real signaling server (tracker + relay), two isolated contexts
 * of one Chromium, real WebRTC (inside the private network namespace). Page A writes the content
 * straight into its share's OPFS folder, streamed in chunks (never a whole file in memory), and
 * rescans; page B joins with an access code. Timed from B's `addShare` until B's progress says
 * every byte and file is in; the transfer alone is timed from the first byte received.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Page } from 'playwright'
import type { Place, Places } from './contexts'
import { build, type Plugin } from 'vite'
import { parseSignalingConfig } from '../../signaling/config'
import { createLogger } from '../../signaling/log'
import { startSignalingServer, type SignalingServer } from '../../signaling/server'
import { openApp } from '../../e2e/support/app'
import { chromiumCpuSeconds } from './cpu'

const LOCATION = 'Bench'
const POLL_MS = 500

type Progress = {
  bytesReceived: number
  filesRemaining: number
  bytesRemaining: number
  downloadRate: number
}
type Host = {
  createShare(location: string): Promise<void>
  createAccessCode(
    location: string,
    level: string,
    multiUse?: boolean,
    expiresInMs?: number,
  ): Promise<{ code: string }>
  addShare(code: string, location: string): Promise<void>
  scan(location: string): Promise<void>
  snapshot(): Promise<{ shares: Array<{ location: string; progress: Progress }> }>
}
type AppWindow = { clearskies: { host: Host } }

/** What page A puts in its share: files of these sizes, of noise or (`text`) of prose-like text. */
export interface SyncSet {
  readonly name: string
  readonly sizes: readonly number[]
  /** Words in lines, which deflate to about a third (the gzip extension's case), instead of noise. */
  readonly text?: boolean
}

export interface SyncResult {
  readonly name: string
  readonly bytes: number
  readonly files: number
  /** Seconds from `addShare` to all in; undefined if it did not finish in time. */
  readonly seconds: number | undefined
  /** Seconds from the first byte received to all in. */
  readonly transferSeconds: number | undefined
  /** Bytes B had when the clock stopped (all of them, unless it timed out). */
  readonly bytesReceived: number
  readonly waitedSeconds: number
  /** Chromium's CPU milliseconds (both peers, every thread) per MB received. */
  readonly cpuMsPerMB: number
}

export interface SyncBench {
  readonly places: Places
  readonly signaling: SignalingServer
  readonly url: string
  close(): Promise<void>
}

/** A build plugin that drops the line setting `key` in the browser's engine platform (an A/B of it). */
function withoutPlatformLine(setting: string, key: string): Plugin {
  return {
    name: `bench-without-${key}`,
    transform: (code, id) => {
      if (!id.endsWith('platform/browser/engine-platform.ts')) return null
      const changed = code.replace(new RegExp(`^\\s*${key}: .*$`, 'm'), '')
      if (changed === code) throw new Error(`${setting}: no ${key} line in engine-platform.ts`)
      return changed
    },
  }
}

/** Builds the app into a temporary folder (never touching `dist/`, which others' tests serve) and serves it. */
export async function startSyncBench(places: Places): Promise<SyncBench> {
  const root = fileURLToPath(new URL('../..', import.meta.url))
  const outDir = mkdtempSync(join(tmpdir(), 'clearskies-bench-app-'))
  // BENCH_PIECE_MIB: an experiment on the fetcher's piece size (transfer-plan.ts), in this build only.
  const pieceMib = process.env.BENCH_PIECE_MIB
  const plugins: Plugin[] = pieceMib
    ? [
        {
          name: 'bench-piece-size',
          transform: (code, id) => {
            if (!id.endsWith('transfer-plan.ts')) return null
            const changed = code.replace(
              /DEFAULT_PIECE_BYTES = [^\n]*/,
              `DEFAULT_PIECE_BYTES = ${Number(pieceMib)} * 1024 * 1024`,
            )
            if (changed === code)
              throw new Error('BENCH_PIECE_MIB: DEFAULT_PIECE_BYTES not found in transfer-plan.ts')
            return changed
          },
        },
      ]
    : []
  // BENCH_RECORD_CRYPTO=webcrypto: the worker's TLS records on WebCrypto alone (the protocol's
  // default) instead of the browser platform's primitives, in this build only: an A/B of the two.
  if (process.env.BENCH_RECORD_CRYPTO === 'webcrypto')
    plugins.push(withoutPlatformLine('BENCH_RECORD_CRYPTO', 'recordCrypto'))
  // BENCH_GZIP=0: the browser peers do not offer the gzip extension, in this build only.
  if (process.env.BENCH_GZIP === '0') plugins.push(withoutPlatformLine('BENCH_GZIP', 'zlib'))
  // BENCH_MINIFY=0: readable names in profile.ts's tables (the figures then run unminified code).
  const minify = process.env.BENCH_MINIFY !== '0'
  // The engine runs in a worker, which Vite bundles with the worker's plugins, not the page's: the
  // experiments' transforms go to both (with the page's alone, they never saw the worker's modules).
  await build({
    root,
    logLevel: 'warn',
    plugins,
    worker: { format: 'es', plugins: () => plugins },
    build: { outDir, emptyOutDir: true, sourcemap: false, minify },
  })
  const config = parseSignalingConfig(
    ['--host', '127.0.0.1', '--port', '0', '--tcp-port', '0', '--static', outDir],
    {},
  )
  const signaling = await startSignalingServer(config, createLogger('warn'))
  return {
    places,
    signaling,
    url: `http://127.0.0.1:${signaling.httpPort}`,
    close: async () => {
      await signaling.close()
      rmSync(outDir, { recursive: true, force: true })
    },
  }
}

export async function newPeer(bench: SyncBench): Promise<Place> {
  const place = await bench.places.make()
  place.page.on('pageerror', (e) => console.error(`[page] ${e.message}`))
  await openApp(place.page, place.appUrl(bench.url))
  return place
}

/**
 * Writes the set into A's share folder in OPFS, 8 MiB at a time of pseudo-random bytes (or
 * pseudo-random words, for a text set), then rescans.
 */
export async function fillShare(page: Page, set: SyncSet): Promise<string> {
  return page.evaluate(
    async ({ location, sizes, text }) => {
      const host = (window as unknown as AppWindow).clearskies.host
      await host.createShare(location)
      const shares = await (await navigator.storage.getDirectory()).getDirectoryHandle('shares')
      let dir: FileSystemDirectoryHandle | undefined
      for await (const entry of (
        shares as unknown as { values(): AsyncIterable<FileSystemHandle> }
      ).values()) {
        if (entry.kind === 'directory') dir = entry as FileSystemDirectoryHandle
      }
      if (!dir) throw new Error('the share has no folder in OPFS')
      const CHUNK = 8 * 1024 * 1024
      const noise = new Uint8Array(CHUNK)
      for (let at = 0; at < CHUNK; at += 65_536) crypto.getRandomValues(noise.subarray(at, at + 65_536))
      if (text) {
        // Words drawn by the noise from a small vocabulary, in lines of about 70 characters.
        const words =
          'the of and to in is that for it as with was on be by this are from or have an they which one you were all we when there can more if no out so said what up its about into than them only other new some could time these two may then first any like now my such make over our even most'.split(
            ' ',
          )
        const ascii = new TextEncoder()
        let line = 0
        let at = 0
        for (let i = 0; at < CHUNK; i++) {
          const word = ascii.encode(
            `${words[(noise[i % CHUNK] ?? 0) % words.length]}${++line % 12 === 0 ? '\n' : ' '}`,
          )
          noise.set(word.subarray(0, CHUNK - at), at)
          at += word.length
        }
      }
      const folders = new Map<number, FileSystemDirectoryHandle>()
      for (const [i, size] of sizes.entries()) {
        // At most 100 files a folder, as a real tree would hold them.
        const group = Math.floor(i / 100)
        let folder = folders.get(group)
        if (!folder)
          folders.set(
            group,
            (folder = sizes.length > 1 ? await dir.getDirectoryHandle(`d${group}`, { create: true }) : dir),
          )
        const writable = await (await folder.getFileHandle(`f${i}.bin`, { create: true })).createWritable()
        for (let at = 0; at < size; at += CHUNK) {
          const part = noise.slice(0, Math.min(CHUNK, size - at))
          new DataView(part.buffer).setFloat64(0, i * 1e6 + at) // no two chunks alike
          await writable.write(part)
        }
        await writable.close()
      }
      await host.scan(location)
      return (await host.createAccessCode(location, 'read_write', true, 3_600_000)).code
    },
    { location: LOCATION, sizes: set.sizes, text: set.text ?? false },
  )
}

export function progressOf(page: Page): Promise<Progress | undefined> {
  return page.evaluate(async (location) => {
    const snapshot = await (window as unknown as AppWindow).clearskies.host.snapshot()
    return snapshot.shares.find((s) => s.location === location)?.progress
  }, LOCATION)
}

/** Syncs one set between two fresh peers; gives up after `timeoutSeconds` and reports what arrived. */
export async function measureSync(
  bench: SyncBench,
  set: SyncSet,
  timeoutSeconds: number,
): Promise<SyncResult> {
  const bytes = set.sizes.reduce((a, b) => a + b, 0)
  const a = await newPeer(bench)
  const b = await newPeer(bench)
  try {
    const code = await fillShare(a.page, set)
    const start = performance.now()
    const cpuStart = chromiumCpuSeconds()
    const cpuMsPerMB = (bytesIn: number): number =>
      ((chromiumCpuSeconds() - cpuStart) * 1000) / (bytesIn / 1e6)
    await b.page.evaluate(
      ({ code, location }) => (window as unknown as AppWindow).clearskies.host.addShare(code, location),
      { code, location: LOCATION },
    )
    let firstByte: number | undefined
    let received = 0
    for (;;) {
      const progress = await progressOf(b.page)
      const now = performance.now()
      received = progress?.bytesReceived ?? 0
      if (received > 0 && firstByte === undefined) firstByte = now
      if (progress && received >= bytes && progress.filesRemaining === 0 && progress.bytesRemaining === 0) {
        return {
          name: set.name,
          bytes,
          files: set.sizes.length,
          seconds: (now - start) / 1000,
          transferSeconds: (now - (firstByte ?? start)) / 1000,
          bytesReceived: received,
          waitedSeconds: (now - start) / 1000,
          cpuMsPerMB: cpuMsPerMB(received),
        }
      }
      if (now - start > timeoutSeconds * 1000) {
        return {
          name: set.name,
          bytes,
          files: set.sizes.length,
          seconds: undefined,
          transferSeconds: undefined,
          bytesReceived: received,
          waitedSeconds: (now - start) / 1000,
          cpuMsPerMB: cpuMsPerMB(received),
        }
      }
      await new Promise((resolve) => setTimeout(resolve, POLL_MS))
    }
  } finally {
    await a.close()
    await b.close()
  }
}

/** One big file of `mib` MiB. */
export function bigFile(mib: number): SyncSet {
  return { name: `1 file of ${mib} MiB`, sizes: [mib * 1024 * 1024] }
}

/** One file of `mib` MiB of text. */
export function textFile(mib: number): SyncSet {
  return { name: `1 text file of ${mib} MiB`, sizes: [mib * 1024 * 1024], text: true }
}

/** `count` small files of 1–8 KiB (sizes spread evenly, the same every run). */
export function smallFiles(count: number): SyncSet {
  const sizes = Array.from({ length: count }, (_, i) => 1024 + ((i * 2_654_435_761) % 7169))
  return { name: `${count.toLocaleString('en')} files of 1–8 KiB`, sizes }
}

/** Prints one result line: time, MB/s (10^6 bytes), and the ratio to the raw data-channel figure. */
export function formatSync(result: SyncResult, rawMBps: number, rawCpuMsPerMB: number): string {
  const mb = result.bytes / 1e6
  const cpu = `; CPU ${result.cpuMsPerMB.toFixed(0)} ms/MB, ${(result.cpuMsPerMB / rawCpuMsPerMB).toFixed(1)}x raw's`
  if (result.seconds === undefined || result.transferSeconds === undefined) {
    const rate = result.bytesReceived / 1e6 / result.waitedSeconds
    return `  ${result.name.padEnd(24)} did not finish in ${result.waitedSeconds.toFixed(0)} s: ${(result.bytesReceived / 1e6).toFixed(0)} of ${mb.toFixed(0)} MB in, ${rate.toFixed(1)} MB/s, ${((rate / rawMBps) * 100).toFixed(0)}% of raw${cpu}`
  }
  const rate = mb / result.seconds
  const transferRate = mb / result.transferSeconds
  const filesPerSecond = result.files > 1 ? `, ${(result.files / result.seconds).toFixed(0)} files/s` : ''
  return `  ${result.name.padEnd(24)} ${result.seconds.toFixed(1).padStart(6)} s  ${rate.toFixed(1).padStart(5)} MB/s  ${((rate / rawMBps) * 100).toFixed(0).padStart(3)}% of raw${filesPerSecond}   (from the first byte: ${result.transferSeconds.toFixed(1)} s, ${transferRate.toFixed(1)} MB/s, ${((transferRate / rawMBps) * 100).toFixed(0)}%${cpu})`
}
