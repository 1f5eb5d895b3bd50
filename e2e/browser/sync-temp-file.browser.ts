import { expect, it } from 'vitest'
import type { SyncTempReport } from './sync-temp-file.worker'
import { freshOpfsFolder } from './opfs'

it('writes temporary files in place through a sync access handle in a worker, resumes and commits them', async () => {
  const { parent, name, dir } = await freshOpfsFolder('sync')
  const worker = new Worker(new URL('./sync-temp-file.worker.ts', import.meta.url), { type: 'module' })
  try {
    const report = await new Promise<SyncTempReport | string>((resolve) => {
      worker.onmessage = (event: MessageEvent<SyncTempReport | string>) => resolve(event.data)
      worker.postMessage(dir)
    })
    expect(report).toEqual({
      freshInMemory: true,
      freshNamesBeforeClose: ['/sub', '/sub/.file.txt.abababab.!clearsky'], // written early, hidden; no target
      syncKind: true,
      resumedSize: 16,
      resumedBytes: 'hello wide world',
      committed: true,
      content: 'hello wide there',
      lockedError: 'ERR_BUSY',
      namesAfter: ['/sub', '/sub/file.txt'],
      commitWhileReading: 'ok',
      readAfter: 'new',
    })
  } finally {
    worker.terminate()
    await parent.removeEntry(name, { recursive: true })
  }
})
