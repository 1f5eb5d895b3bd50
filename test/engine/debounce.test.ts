/** Change notifications and the scans they start (directory.md, "File Change Notification"). Real engine and folder. */
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, describe, expect, it, vi } from 'vitest'
import { eventually, startPeer, stopAndRemove, type TestPeer } from './peers'

const peers: TestPeer[] = []
afterAll(() => stopAndRemove(peers))

describe('a change noted while a scan runs', () => {
  it('is scanned once that scan is over, not at the next full rescan', async () => {
    const a = await startPeer('alice')
    peers.push(a)
    const share = await a.engine.createShare(a.folder)
    await share.scan()
    // The next scan has listed the folder and is still busy (hashing, say) when the file appears.
    let release!: () => void
    const busy = new Promise<void>((resolve) => (release = resolve))
    let listed!: () => void
    const done = new Promise<void>((resolve) => (listed = resolve))
    const scanOnce = share.directory.scan.bind(share.directory)
    vi.spyOn(share.directory, 'scan').mockImplementationOnce(async () => {
      const batch = await scanOnce()
      listed()
      await busy
      return batch
    })
    const running = share.scan()
    await done
    await writeFile(join(a.folder, 'late.txt'), 'written during the scan')
    share.noteChange('/late.txt')
    await new Promise((r) => setTimeout(r, 2_500)) // past the 2 s quiet wait, the scan still busy
    release()
    await running
    await eventually(async () => expect(await share.database.get('/late.txt')).toBeDefined(), 5_000)
  }, 30_000)
})
