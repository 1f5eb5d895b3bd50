/**
 * Parts of a browser-to-browser sync, each alone in a dedicated worker (where the engine runs), so
 * that their cost can be set beside the sync's (index.ts prints Chromium's CPU per MB for each):
 *   tls:   our TLS-SRP over an in-memory pipe, both ends in this worker: the sender's sealing and
 *          the receiver's opening of `mib` MiB written in 1 MiB writes (as the fetcher serves),
 *          with the browser platform's record primitives (src/platform/browser/record-crypto.ts);
 *   tls-webcrypto, tls-wasm-mac: the same with the protocol's WebCrypto primitives as they are,
 *          and with HMAC on hash-wasm, for comparison;
 *   store: `mib` MiB appended to a temporary file of the OPFS store in 1 MiB appends (the fetcher's
 *          batches, APPEND_BATCH_BYTES), then closed and discarded: the receiver's writes;
 *   hash:  `mib` MiB through the wasm hasher in 1 MiB updates: the receiver's check, as the fetcher
 *          hashes each batch.
 * Answers the milliseconds taken, or an error's text.
 */
import { APPEND_BATCH_BYTES } from '../../src/protocol/directory/fetcher'
import { parseSharePath } from '../../src/protocol/directory/share-path'
import { FsaFileStore } from '../../src/platform/browser/fsa-file-store'
import { createMemoryPipe } from '../../src/protocol/stream/memory-pipe'
import { acceptTls, connectTls, type RecordCrypto, webCryptoRecords } from '../../src/protocol/tls/index'
import { browserRecordCrypto, wasmMacRecordCrypto } from '../../src/platform/browser/record-crypto'
import { createWasmHasher } from '../../src/platform/browser/wasm-hasher'

export interface PartRequest {
  readonly part: 'tls' | 'tls-webcrypto' | 'tls-wasm-mac' | 'store' | 'hash'
  readonly mib: number
  readonly dir: FileSystemDirectoryHandle
}

const MiB = 1024 * 1024
const USER = 'clearskies:1:' + 'ab'.repeat(32)
const PASSWORD = 'cd'.repeat(32)

async function tls(mib: number, recordCrypto: RecordCrypto): Promise<void> {
  const [near, far] = createMemoryPipe()
  const server = acceptTls(far, {
    lookup: async () => ({ password: PASSWORD }),
    secret: new Uint8Array(32).fill(1),
    recordCrypto,
  })
  const client = await connectTls(near, { username: USER, password: PASSWORD, recordCrypto })
  const { stream } = await server
  const received = (async () => {
    let got = 0
    while (got < mib * MiB) {
      const chunk = await stream.read()
      if (!chunk) throw new Error(`the TLS stream ended after ${got} bytes`)
      got += chunk.byteLength
    }
  })()
  // Each write a fresh buffer, as the store's reads hand them over.
  for (let sent = 0; sent < mib; sent++) await client.stream.write(new Uint8Array(MiB).fill(sent & 0xff))
  await received
  client.stream.close()
  stream.close()
}

async function store(mib: number, dir: FileSystemDirectoryHandle): Promise<void> {
  const temp = await new FsaFileStore(dir).openTemp(parseSharePath('/parts.bin'), 'ab'.repeat(32))
  const batch = new Uint8Array(APPEND_BATCH_BYTES).fill(7)
  for (let at = 0; at < mib * MiB; at += APPEND_BATCH_BYTES) await temp.append(batch.slice())
  await temp.close()
  const again = await new FsaFileStore(dir).openTemp(parseSharePath('/parts.bin'), 'ab'.repeat(32))
  await again.discard()
}

async function hash(mib: number): Promise<void> {
  const hasher = await createWasmHasher()
  const batch = new Uint8Array(APPEND_BATCH_BYTES).fill(7)
  for (let at = 0; at < mib * MiB; at += APPEND_BATCH_BYTES) hasher.update(batch)
  hasher.digestHex()
}

const parts: Record<PartRequest['part'], (mib: number, dir: FileSystemDirectoryHandle) => Promise<void>> = {
  tls: (mib) => tls(mib, browserRecordCrypto),
  'tls-webcrypto': (mib) => tls(mib, webCryptoRecords),
  'tls-wasm-mac': (mib) => tls(mib, wasmMacRecordCrypto),
  store,
  hash: (mib) => hash(mib),
}

addEventListener('message', (event: MessageEvent<PartRequest>) => {
  const { part, mib, dir } = event.data
  const start = performance.now()
  parts[part](mib, dir).then(
    () => postMessage(performance.now() - start),
    (err: unknown) => postMessage(String(err)),
  )
})
