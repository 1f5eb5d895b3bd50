/**
 * SHA-256 on hash-wasm, streaming (WebCrypto has no incremental digest). Reading a file fast
 * enough to keep up is `blob-reader.ts`'s job: hash `FileStore.read()`'s chunks as they come.
 *
 * Each `createSHA256()` instantiates a WebAssembly module (0.15 ms and garbage, per file of a
 * sync of thousands of small files); a spent hasher's instance is reset and reused instead.
 */
import { createSHA256, type IHasher } from 'hash-wasm'
import type { Hasher, HasherFactory } from '../../protocol/directory/hasher'

/** Spent instances kept for reuse; more than this in flight at once are simply collected. */
const MAX_IDLE = 64
const idle: IHasher[] = []

export const createWasmHasher: HasherFactory = async (): Promise<Hasher> => {
  const reused = idle.pop()
  const hash = reused ? reused.init() : await createSHA256()
  // Spent after the digest: the instance may already hash someone else's file by then.
  let spent = false
  const live = (): IHasher => {
    if (spent) throw new Error('SHA-256 hasher used after its digest')
    return hash
  }
  return {
    update: (chunk) => void live().update(chunk),
    digestHex: () => {
      const hex = live().digest('hex')
      spent = true
      if (idle.length < MAX_IDLE) idle.push(hash)
      return hex
    },
  }
}
