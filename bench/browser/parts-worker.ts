/**
 * Parts of a browser-to-browser sync, each alone in a dedicated worker (where the engine runs), so
 * that their cost can be set beside the sync's (index.ts prints Chromium's CPU per MB for each):
 *   tls:   our TLS-SRP over an in-memory pipe, both ends in this worker: the sender's sealing and
 *          the receiver's opening of `mib` MiB written in 1 MiB writes (as the fetcher serves),
 *          with the browser platform's record primitives (src/platform/browser/record-crypto.ts);
 *   tls-webcrypto: the same on WebCrypto alone (the protocol's default), for comparison;
 *   store: `mib` MiB appended to a temporary file of the OPFS store in 16 KiB appends (what each
 *          TLS record carries), then closed and discarded: the receiver's writes;
 *   hash:  `mib` MiB through the wasm hasher in 16 KiB updates: the receiver's check.
 * Answers the milliseconds taken, or an error's text.
 */
import { parseSharePath } from '../../src/protocol/directory/share-path'
import { FsaFileStore } from '../../src/platform/browser/fsa-file-store'
import { createMemoryPipe } from '../../src/protocol/stream/memory-pipe'
import { acceptTls, connectTls, type RecordCrypto, webCryptoRecords } from '../../src/protocol/tls/index'
import { wasmMacRecordCrypto } from '../../src/platform/browser/record-crypto'
import { createWasmHasher } from '../../src/platform/browser/wasm-hasher'

export interface PartRequest {
  readonly part: 'tls' | 'tls-webcrypto' | 'store' | 'hash'
  readonly mib: number
  readonly dir: FileSystemDirectoryHandle
}

const MiB = 1024 * 1024
const RECORD_BYTES = 16 * 1024
const USER = 'clearskies:1:' + 'ab'.repeat(32)
const PASSWORD = 'cd'.repeat(32)

async function tls(mib: number, recordCrypto: RecordCrypto): Promise<void> {
  const [near, far] = createMemoryPipe()
  const server = acceptTls(far, { lookup: async () => ({ password: PASSWORD }), secret: new Uint8Array(32).fill(1), recordCrypto })
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
  const record = new Uint8Array(RECORD_BYTES).fill(7)
  for (let at = 0; at < mib * MiB; at += RECORD_BYTES) await temp.append(record.slice())
  await temp.close()
  const again = await new FsaFileStore(dir).openTemp(parseSharePath('/parts.bin'), 'ab'.repeat(32))
  await again.discard()
}

async function hash(mib: number): Promise<void> {
  const hasher = await createWasmHasher()
  const record = new Uint8Array(RECORD_BYTES).fill(7)
  for (let at = 0; at < mib * MiB; at += RECORD_BYTES) hasher.update(record)
  hasher.digestHex()
}

const parts: Record<PartRequest['part'], (mib: number, dir: FileSystemDirectoryHandle) => Promise<void>> = {
  tls: (mib) => tls(mib, wasmMacRecordCrypto),
  'tls-webcrypto': (mib) => tls(mib, webCryptoRecords),
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
