/** The benchmark's data, the same for every tool measured: one random file, and small files in 100 folders. */
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { writeRandomFile } from '../../test/engine/peers'

export interface BenchData {
  /** A folder holding `big.bin` of `bigMiB` random bytes. */
  readonly big: string
  /** A folder holding `smallFiles` files of 1-8 KiB (text, compressible) in 100 folders. */
  readonly small: string
  readonly smallBytes: number
}

export async function makeData(root: string, bigMiB: number, smallFiles: number): Promise<BenchData> {
  const big = join(root, 'big')
  const small = join(root, 'small')
  await mkdir(big)
  await mkdir(small)
  await writeRandomFile(join(big, 'big.bin'), bigMiB * 1024 * 1024, 1)
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
