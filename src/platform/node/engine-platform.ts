/**
 * The engine's platform on Node: SQLite for records, the local index and the engine's own state,
 * node:fs for files, node:crypto for hashing, randomness and TLS records, TCP for dialling. Everything a peer
 * keeps lives under one state folder; each share's files stay in the folder it syncs.
 */
import { mkdirSync } from 'node:fs'
import { realpath } from 'node:fs/promises'
import { basename, dirname, join, resolve } from 'node:path'
import type { EnginePlatform } from '../../engine/engine'
import type { ShareStorage } from '../../engine/live-share'
import { openTogether } from '../../engine/open-together'
import type { ByteStream } from '../../protocol/stream/byte-stream'
import { parseTcpAddress } from '../../protocol/tracker/addresses'
import { FsFileStore } from './fs-file-store'
import { createNodeHasher } from './node-hasher'
import { SqliteKeyValueStore } from './sqlite-kv'
import { SqliteLocalIndex } from './sqlite-local-index'
import { SqliteRecordStore } from './sqlite-record-store'
import { connectTcp } from './tcp-stream'
import { nodeRecordCrypto } from './record-crypto'
import { nodeZlibCodec } from './zlib-codec'

/**
 * `location` with symbolic links, `.` and `..` resolved. A folder not made yet (a join's) is placed
 * through its nearest existing parent, so a link above it still counts.
 */
async function realLocation(location: string): Promise<string> {
  const absolute = resolve(location)
  try {
    return await realpath(absolute)
  } catch {
    const parent = dirname(absolute)
    return parent === absolute ? absolute : join(await realLocation(parent), basename(absolute))
  }
}

export interface NodePlatformOptions {
  readonly stateDir: string
  /** Dials other address kinds (the bridge adds some); tcp: is built in. */
  readonly dial?: (address: string) => Promise<ByteStream> | undefined
  /** fsync each received file and its folder (FsFileStore's `durable`; default true). */
  readonly durable?: boolean
}

export function nodeEnginePlatform(options: NodePlatformOptions): EnginePlatform & { close(): void } {
  mkdirSync(join(options.stateDir, 'shares'), { recursive: true, mode: 0o700 })
  const kv = SqliteKeyValueStore.open(join(options.stateDir, 'engine.db'))
  return {
    kv,
    createHasher: createNodeHasher,
    randomBytes: (length) => crypto.getRandomValues(new Uint8Array(length)),
    now: Date.now,
    async openShareStorage(storageId, location): Promise<ShareStorage> {
      const base = join(options.stateDir, 'shares', storageId)
      // Holds nothing open: made first, so that a failure here leaves no database open.
      const files = new FsFileStore(location, { durable: options.durable ?? true })
      const [records, index] = await openTogether([
        (async () => SqliteRecordStore.open(`${base}.records.db`))(),
        (async () => SqliteLocalIndex.open(`${base}.index.db`))(),
      ] as const)
      return {
        records,
        index,
        files,
        async close() {
          try {
            await records.close()
          } finally {
            index.close()
          }
        },
      }
    },
    async dial(address) {
      const other = options.dial?.(address)
      if (other) return other
      const { host, port } = parseTcpAddress(address)
      return connectTcp(host, port)
    },
    zlib: nodeZlibCodec,
    linksMayOutrunDeflate: true,
    recordCrypto: nodeRecordCrypto,
    realLocation,
    // After this turn's I/O callbacks, before the next poll: no timer's millisecond of delay.
    defer: (task) => void setImmediate(task),
    close: () => kv.close(),
  }
}
