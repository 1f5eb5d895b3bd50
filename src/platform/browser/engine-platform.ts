/**
 * The engine's platform in the browser worker: IndexedDB for the engine's state, records and the
 * local index; file contents in a folder the person picked or, by default, in the origin private
 * file system (OPFS) under `shares/<storage id>`; hash-wasm for SHA-256; WebCrypto for TLS records
 * (record-crypto.ts); CompressionStream for the gzip extension (zlib-codec.ts), which it offers.
 * Peers are not dialled from here: the page sets up WebRTC and hands the worker finished streams.
 */
import { deleteDB } from 'idb'
import type { EnginePlatform } from '../../engine/engine'
import type { ShareStorage } from '../../engine/live-share'
import { openTogether } from '../../engine/open-together'
import { POSIX_NAMES, type LocalNameRules } from '../../protocol/directory/local-names'
import type { DatabaseNotices } from './database-notices'
import { endOfTurn } from './end-of-turn'
import { FolderHandles } from './folder-handles'
import { FsaFileStore } from './fsa-file-store'
import { IdbAttributeStore } from './idb-attribute-store'
import { IdbKeyValueStore } from './idb-kv'
import { IdbLocalIndex } from './idb-local-index'
import { IdbRecordStore } from './idb-record-store'
import { browserRecordCrypto } from './record-crypto'
import { createWasmHasher } from './wasm-hasher'
import { browserZlibCodec } from './zlib-codec'

/**
 * `notices` hears of every database this platform opens being kept waiting or closed under it. The
 * engine does not close its key-value store: whoever opened the platform does (or ends the worker).
 */
export async function browserEnginePlatform(
  folders: FolderHandles,
  notices?: DatabaseNotices,
): Promise<EnginePlatform & { readonly kv: IdbKeyValueStore }> {
  const kv = await IdbKeyValueStore.open(undefined, notices)
  return {
    kv,
    createHasher: createWasmHasher,
    recordCrypto: browserRecordCrypto,
    // CompressionStream: Chromium 80, Firefox 113, Safari 16.4; an older engine does not offer gzip.
    zlib: typeof CompressionStream === 'function' ? browserZlibCodec : undefined,
    randomBytes: (length) => crypto.getRandomValues(new Uint8Array(length)),
    now: Date.now,
    defer: endOfTurn(),
    async openShareStorage(storageId, location): Promise<ShareStorage> {
      const picked = await folders.get(location)
      const root = picked ?? (await opfsFolder(storageId))
      const names = databaseNames(storageId)
      const [attributes, index, records] = await openTogether([
        IdbAttributeStore.open(names.attributes, notices),
        IdbLocalIndex.open(names.index, notices),
        IdbRecordStore.open(names.records, notices),
      ] as const)
      return {
        records,
        index,
        // OPFS takes any name; a picked folder has the rules of the system the browser runs on.
        files: new FsaFileStore(root, { attributes, ...(picked ? { names: systemNameRules() } : {}) }),
        async close() {
          index.close()
          attributes.close()
          await records.close()
        },
      }
    },
    async dial(address) {
      throw new Error(`cannot dial ${address} from the browser: browser peers are reached through WebRTC`)
    },
  }
}

/**
 * The name rules of the file system under a folder the person picked, as the Node store takes
 * them from its platform (fs-file-store.ts `nameRulesFor`): Windows refuses some names and, like
 * macOS, takes names that differ only in case for the same file. From the user agent string, whose
 * platform part browsers still give.
 */
export function systemNameRules(userAgent: string = navigator.userAgent): LocalNameRules {
  if (/Windows/u.test(userAgent)) return { windowsNames: true, caseInsensitive: true }
  if (/Macintosh|Mac OS X/u.test(userAgent)) return { windowsNames: false, caseInsensitive: true }
  return POSIX_NAMES
}

/** The IndexedDB databases of a share's storage. */
function databaseNames(storageId: string): { attributes: string; index: string; records: string } {
  return {
    attributes: `clearskies-attributes:${storageId}`,
    index: `clearskies-index:${storageId}`,
    records: `clearskies-records:${storageId}`,
  }
}

/**
 * Deletes what a removed (and closed) share kept on this device: its databases, and its files when
 * they were in browser storage (`inOpfs`); a folder the person picked is never touched.
 */
export async function removeShareStorage(storageId: string, inOpfs: boolean): Promise<void> {
  await Promise.all(Object.values(databaseNames(storageId)).map((name) => deleteDB(name)))
  if (!inOpfs) return
  await (await sharesFolder()).removeEntry(storageId, { recursive: true }).catch((err: unknown) => {
    if (!(err instanceof DOMException && err.name === 'NotFoundError')) throw err
  })
}

/** `shares/` in OPFS: one folder per share kept in browser storage, named by its storage ID. */
async function sharesFolder(): Promise<FileSystemDirectoryHandle> {
  return (await navigator.storage.getDirectory()).getDirectoryHandle('shares', { create: true })
}

async function opfsFolder(storageId: string): Promise<FileSystemDirectoryHandle> {
  return (await sharesFolder()).getDirectoryHandle(storageId, { create: true })
}
