/**
 * SHA-256 as the platform provides it: node:crypto in Node, hash-wasm in the browser worker
 * (WebCrypto has no incremental digest). Files are hashed as they stream past, never held whole.
 */
export interface Hasher {
  update(chunk: Uint8Array): void
  /** The digest as 64 lowercase hex digits; the hasher is spent afterwards. */
  digestHex(): string
}

/** Makes a fresh hasher; may be async (hash-wasm instantiates WebAssembly). */
export type HasherFactory = () => Hasher | Promise<Hasher>

export interface HashResult {
  readonly sha256: string
  /** Bytes hashed (as a number: a file above 2^53 bytes is not a concern of this decade). */
  readonly size: number
}

/** Hashes a stream of chunks; `onBytes` hears each chunk's length, for progress. */
export async function hashStream(
  chunks: AsyncIterable<Uint8Array>,
  createHasher: HasherFactory,
  onBytes?: (bytes: number) => void,
): Promise<HashResult> {
  const hasher = await createHasher()
  let size = 0
  for await (const chunk of chunks) {
    hasher.update(chunk)
    size += chunk.byteLength
    onBytes?.(chunk.byteLength)
  }
  return { sha256: hasher.digestHex(), size }
}
