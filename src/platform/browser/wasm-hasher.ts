/**
 * SHA-256 on hash-wasm, streaming (WebCrypto has no incremental digest). Reading a file fast
 * enough to keep up is `blob-reader.ts`'s job: hash `FileStore.read()`'s chunks as they come.
 */
import { createSHA256 } from 'hash-wasm'
import type { Hasher, HasherFactory } from '../../protocol/directory/hasher'

export const createWasmHasher: HasherFactory = async (): Promise<Hasher> => {
  // hash-wasm compiles the module once per thread and caches it; each hasher is a fresh instance.
  const hash = await createSHA256()
  return {
    update: (chunk) => void hash.update(chunk),
    digestHex: () => hash.digest('hex'),
  }
}
