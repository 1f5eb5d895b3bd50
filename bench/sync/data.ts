/** The benchmark's data, the same for every tool measured: one random file, and small files in 100 folders. */
import { createWriteStream } from 'node:fs'
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { writeRandomFile } from '../../test/engine/peers'

export interface BenchData {
  /** A folder holding `big.bin` of `bigMiB` random bytes. */
  readonly big: string
  /** A folder holding `smallFiles` files of 1-8 KiB (text, compressible) in 100 folders. */
  readonly small: string
  readonly smallBytes: number
}

/** `random`: noise, which nothing compresses; `text`: this repository's TypeScript, end to end. */
export type BigKind = 'random' | 'text'

export async function makeData(
  root: string,
  bigMiB: number,
  smallFiles: number,
  bigKind: BigKind = 'random',
): Promise<BenchData> {
  const big = join(root, 'big')
  const small = join(root, 'small')
  await mkdir(big)
  await mkdir(small)
  if (bigKind === 'text') await writeTextFile(join(big, 'big.bin'), bigMiB * 1024 * 1024)
  else await writeRandomFile(join(big, 'big.bin'), bigMiB * 1024 * 1024, 1)
  let smallBytes = 0
  for (let i = 0; i < smallFiles; i++) {
    const dir = join(small, `d${i % 100}`)
    if (i < 100) await mkdir(dir, { recursive: true })
    const size = 1024 + ((i * 7919) % (7 * 1024 + 1))
    smallBytes += size
    await writeFile(join(dir, `f${i}.txt`), Buffer.alloc(size, 97 + (i % 26)))
  }
  return { big, small, smallBytes }
}

/** `bytes` of the project's own sources over and over: text that deflates to about a quarter. */
async function writeTextFile(path: string, bytes: number): Promise<void> {
  const sources = join(import.meta.dirname, '../../src/protocol')
  const names = (await readdir(sources, { recursive: true })).filter((n) => n.endsWith('.ts')).sort()
  const text = Buffer.concat(await Promise.all(names.map((n) => readFile(join(sources, n)))))
  const out = createWriteStream(path)
  for (let written = 0; written < bytes; written += text.length) {
    if (!out.write(text.subarray(0, Math.min(text.length, bytes - written))))
      await new Promise<void>((resolve) => out.once('drain', () => resolve()))
  }
  await new Promise<void>((resolve, reject) =>
    out.end((err?: Error | null) => (err ? reject(err) : resolve())),
  )
}
