/**
 * The engine's platform in the browser worker: IndexedDB for the engine's state, records and the
 * local index; file contents in a folder the person picked or, by default, in the origin private
 * file system (OPFS) under `shares/<storage id>`; hash-wasm for SHA-256; WebCrypto for TLS records
 * (record-crypto.ts). Peers are not dialled from here: the page sets up WebRTC and hands the
 * worker finished streams.
 */
import type { EnginePlatform } from '../../engine/engine'
import type { ShareStorage } from '../../engine/live-share'
import { endOfTurn } from './end-of-turn'
import { FolderHandles } from './folder-handles'
import { FsaFileStore } from './fsa-file-store'
import { IdbAttributeStore } from './idb-attribute-store'
import { IdbKeyValueStore } from './idb-kv'
import { IdbLocalIndex } from './idb-local-index'
import { IdbRecordStore } from './idb-record-store'
import { browserRecordCrypto } from './record-crypto'
import { createWasmHasher } from './wasm-hasher'

export async function browserEnginePlatform(folders: FolderHandles): Promise<EnginePlatform> {
  const kv = await IdbKeyValueStore.open()
  return {
    kv,
    createHasher: createWasmHasher,
    recordCrypto: browserRecordCrypto,
    randomBytes: (length) => crypto.getRandomValues(new Uint8Array(length)),
    now: Date.now,
    defer: endOfTurn(),
    async openShareStorage(storageId, location): Promise<ShareStorage> {
      const root = (await folders.get(location)) ?? (await opfsFolder(storageId))
      const [attributes, index, records] = await Promise.all([
        IdbAttributeStore.open(`clearskies-attributes:${storageId}`),
        IdbLocalIndex.open(`clearskies-index:${storageId}`),
        IdbRecordStore.open(`clearskies-records:${storageId}`),
      ])
      return {
        records,
        index,
        files: new FsaFileStore(root, { attributes }),
        async close() {
          index.close()
          await records.close()
        },
      }
    },
    async dial(address) {
      throw new Error(`cannot dial ${address} from the browser: browser peers are reached through WebRTC`)
    },
  }
}

async function opfsFolder(storageId: string): Promise<FileSystemDirectoryHandle> {
  const shares = await (await navigator.storage.getDirectory()).getDirectoryHandle('shares', { create: true })
  return shares.getDirectoryHandle(storageId, { create: true })
}
