/**
 * The file-store hashing path inside a dedicated worker, where the engine runs: given a folder
 * handle and a file name, hashes the file through `FsaFileStore.read()` and answers the time.
 */
import { hashStream } from '../../src/protocol/directory/hasher'
import { parseSharePath } from '../../src/protocol/directory/share-path'
import { FsaFileStore } from '../../src/platform/browser/fsa-file-store'
import { createWasmHasher } from '../../src/platform/browser/wasm-hasher'

export interface HashRequest {
  readonly dir: FileSystemDirectoryHandle
  readonly name: string
}

addEventListener('message', (event: MessageEvent<HashRequest>) => {
  const { dir, name } = event.data
  const start = performance.now()
  hashStream(new FsaFileStore(dir).read(parseSharePath(`/${name}`)), createWasmHasher).then(
    () => postMessage(performance.now() - start),
    (err: unknown) => postMessage(String(err)),
  )
})
