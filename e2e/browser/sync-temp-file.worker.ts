/**
 * Runs in a dedicated worker (where `createSyncAccessHandle` exists): the store's temporary files
 * through a sync access handle, end to end, reporting what it saw for the test to check.
 */
import { parseSharePath } from '../../src/protocol/directory/share-path'
import { FsaFileStore } from '../../src/platform/browser/fsa-file-store'
import { MemoryTempFile } from '../../src/platform/browser/memory-temp-file'
import { SyncTempFile } from '../../src/platform/browser/sync-temp-file'
import { concatBytes } from '../../src/protocol/wire/bytes'
import { namesBelowButSwaps } from './opfs'

export interface SyncTempReport {
  /** A fresh temporary file gathers in memory (a small one is also written out early, hidden); the target appears only at the commit. */
  readonly freshInMemory: boolean
  readonly freshNamesBeforeClose: string[]
  readonly syncKind: boolean
  readonly resumedSize: number
  readonly resumedBytes: string
  readonly committed: boolean
  readonly content: string
  readonly lockedError: string
  readonly namesAfter: string[]
  /** A commit onto a file while a read of it is under way: reads hold no lock. */
  readonly commitWhileReading: string
  readonly readAfter: string
}

const text = (s: string): Uint8Array => new TextEncoder().encode(s)
async function textOf(chunks: AsyncIterable<Uint8Array>): Promise<string> {
  const parts: Uint8Array[] = []
  for await (const chunk of chunks) parts.push(chunk)
  return new TextDecoder().decode(concatBytes(parts))
}
const SHA = 'ab'.repeat(32)

async function run(dir: FileSystemDirectoryHandle): Promise<SyncTempReport> {
  const store = new FsaFileStore(dir)
  const path = parseSharePath('/sub/file.txt')
  const first = await store.openTemp(path, SHA)
  await Promise.all(['hello ', 'wide ', 'world'].map((part) => first.append(text(part))))
  const freshInMemory = first instanceof MemoryTempFile && first.inMemory
  const freshNamesBeforeClose = await namesBelowButSwaps(dir)
  await first.close()
  const resumed = await store.openTemp(path, SHA)
  // A second opening while the first holds the file: the exclusive lock shows as a typed error.
  const lockedError = await store.openTemp(path, SHA).then(
    () => 'none',
    (err: unknown) => (err as { code?: string }).code ?? String(err),
  )
  const resumedSize = resumed.size
  const resumedBytes = await textOf(resumed.read())
  await resumed.truncate(11)
  await resumed.append(text('there'))
  const result = await store.commit(resumed, { expected: { kind: 'absent' } })
  const content = await textOf(store.read(path))
  const namesAfter: string[] = []
  for await (const entry of store.list()) namesAfter.push(entry.path)
  const reading = store.read(path)[Symbol.asyncIterator]()
  await reading.next() // the read is under way
  const replacement = await store.openTemp(path, SHA.replace('ab', 'cd'))
  await replacement.append(text('new'))
  const commitWhileReading = await store.commit(replacement, { expected: { kind: 'any' } }).then(
    (r) => (r.ok ? 'ok' : 'changed'),
    (err: unknown) => (err as { code?: string }).code ?? String(err),
  )
  await reading.return?.()
  const readAfter = await textOf(store.read(path))
  return {
    commitWhileReading,
    readAfter,
    freshInMemory,
    freshNamesBeforeClose,
    syncKind: resumed instanceof SyncTempFile,
    resumedSize,
    resumedBytes,
    committed: result.ok,
    content,
    lockedError,
    namesAfter,
  }
}

addEventListener('message', (event: MessageEvent<FileSystemDirectoryHandle>) => {
  run(event.data).then(
    (report) => postMessage(report),
    (err: unknown) => postMessage(String(err)),
  )
})
