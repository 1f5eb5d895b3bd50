/** The directory's conflict resolver over real database engines (Cluster: in-process links through the codec). */
import { beforeAll, describe, expect, it } from 'vitest'
import { ConflictCopies } from '../../../src/protocol/directory/conflict-copies'
import { serializeFileValue } from '../../../src/protocol/directory/file-value'
import { fileValueOf } from '../../../src/protocol/directory/record-view'
import { Cluster, id, rsaKeys, type Keys } from '../database/helpers'

let keys: Keys
beforeAll(async () => {
  keys = await rsaKeys()
})

const fileValue = (sha: string) =>
  serializeFileValue({ kind: 'file', size: 5n, sha256: sha.repeat(64), extra: {} })
const randomBytes = (n: number) => new Uint8Array(n).fill(7)

describe('ConflictCopies', () => {
  it('a file created on two peers at once: the loser leaves the name, so deleting the winner deletes the file', async () => {
    const c = new Cluster(keys)
    const copiesA = new ConflictCopies(id(0xa), randomBytes)
    const copiesB = new ConflictCopies(id(0xb), randomBytes)
    const a = await c.add('A', 0xa, { resolver: copiesA.resolver })
    const b = await c.add('B', 0xb, { resolver: copiesB.resolver })
    const loser = await a.set('/new.txt', fileValue('a'))
    const winner = await b.set('/new.txt', fileValue('b')) // later update_time: keeps the name
    await c.link('A', 'B')
    for (const db of [a, b]) expect((await db.get('/new.txt'))?.uuid).toBe(winner.uuid)
    // The loser is kept under a conflict name on both peers, naming the record it lost to.
    const copy = copiesA.take()
    expect(copy).toHaveLength(1)
    for (const db of [a, b]) {
      const kept = await db.get(copy[0]!.to)
      expect(kept?.uuid).toBe(loser.uuid)
      expect(kept && fileValueOf(kept)).toMatchObject({ sha256: 'a'.repeat(64), conflictSource: winner.uuid })
    }
    expect(copy[0]!.loserUuid).toBe(loser.uuid)

    await b.delete('/new.txt')
    await c.settle()
    // Nothing else holds the name: the loser's content must not come back as /new.txt.
    for (const db of [a, b]) expect(await db.get('/new.txt')).toBeUndefined()
  })
})
