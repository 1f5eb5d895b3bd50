/** Group commit of directory fsyncs: every request is covered by an fsync that began after it. */
import { describe, expect, it } from 'vitest'
import { DirectorySyncs } from '../../../src/platform/node/directory-sync'

describe('DirectorySyncs', () => {
  it('joins requests made before an fsync begins, and starts another for those made while it runs', async () => {
    const begun: Array<{ dir: string; finish: () => void }> = []
    const syncs = new DirectorySyncs((dir) => new Promise<void>((finish) => begun.push({ dir, finish })))
    const tick = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 1))
    const a1 = syncs.sync('/a')
    const a2 = syncs.sync('/a')
    const b1 = syncs.sync('/b')
    await tick()
    expect(begun.map((s) => s.dir)).toEqual(['/a', '/b'])
    // While /a's fsync runs, two more requests: they share one later fsync, not this one.
    const a3 = syncs.sync('/a')
    const a4 = syncs.sync('/a')
    let a3Done = false
    void a3.then(() => (a3Done = true))
    begun[0]!.finish()
    await Promise.all([a1, a2])
    await tick()
    expect(a3Done).toBe(false)
    expect(begun.map((s) => s.dir)).toEqual(['/a', '/b', '/a'])
    begun[2]!.finish()
    begun[1]!.finish()
    await Promise.all([a3, a4, b1])
    // Nothing left waiting: the next request begins at once.
    const a5 = syncs.sync('/a')
    await tick()
    expect(begun).toHaveLength(4)
    begun[3]!.finish()
    await a5
  })

  it('reports a failed fsync to the requests it covered, and goes on', async () => {
    let fail = true
    const syncs = new DirectorySyncs(async () => {
      if (fail) throw new Error('EIO')
    })
    await expect(syncs.sync('/a')).rejects.toThrow('EIO')
    fail = false
    await expect(syncs.sync('/a')).resolves.toBeUndefined()
  })
})
