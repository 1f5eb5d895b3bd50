/** Access levels and signatures (database.md, "Access Levels", "Record Changes"; core.md, "Access Levels"). */
import { beforeAll, describe, expect, it } from 'vitest'
import { updateBody } from '../../../src/protocol/database/record'
import { Cluster, encodeBody, record, rsaKeys, type Keys } from './helpers'

let keys: Keys
let otherKeys: Keys
beforeAll(async () => {
  ;[keys, otherKeys] = await Promise.all([rsaKeys(), rsaKeys()])
})

/** W (read-write) - R1 (read-only) - R2 (read-only), on read-only keys. */
async function chain(): Promise<Cluster> {
  const c = new Cluster(keys)
  await c.add('W', 0xa)
  await c.add('R1', 0xb, { access: 'read_only' })
  await c.add('R2', 0xc, { access: 'read_only' })
  await c.link('W', 'R1', 'read_only')
  await c.link('R1', 'R2', 'read_only')
  return c
}

describe('read-only peers', () => {
  it('receive updates signed by the read-write peer, store the signed message and repeat it byte for byte', async () => {
    const c = await chain()
    await c.peer('W').set('a', { n: 1 })
    await c.settle()
    expect(await c.value('R2', 'a')).toEqual({ n: 1 })
    const fromW = c.sent.find((s) => s.from === 'W' && s.to === 'R1' && s.message.kind === 's')
    const fromR1 = c.sent.find((s) => s.from === 'R1' && s.to === 'R2' && s.message.kind === 's')
    expect(
      fromW?.message.kind === 's' &&
        fromR1?.message.kind === 's' &&
        fromR1.message.signed === fromW.message.signed,
    ).toBe(true)
    const stored = await c.peer('R1').get('a')
    expect(stored?.signed?.signature).toBe(
      fromW?.message.kind === 's' ? fromW.message.signed.signature : 'none',
    )
    expect(
      c.sent.every((s) => s.message.kind === 's' || s.message.body.type === 'database.get_updates'),
    ).toBe(true)
    expect(c.warnings).toEqual([])
  })

  it('answer get_updates with the stored signed messages to a peer that joins later', async () => {
    const c = await chain()
    await c.peer('W').set('a', 1)
    await c.peer('W').set('b', 2)
    await c.settle()
    await c.add('R3', 0xd, { access: 'read_only' })
    await c.link('R2', 'R3', 'read_only')
    expect([await c.value('R3', 'a'), await c.value('R3', 'b')]).toEqual([1, 2])
  })

  it('reach a read-write peer through a read-only one, verified', async () => {
    const c = await chain()
    await c.add('W2', 0xe)
    await c.link('R2', 'W2', 'read_only')
    await c.peer('W').set('a', 'hello')
    await c.settle()
    expect(await c.value('W2', 'a')).toBe('hello')
    expect(c.outcomes.filter((o) => o.to === 'W2' && o.outcome.result === 'stored')).toHaveLength(1)
  })

  it('cannot originate a change', async () => {
    const c = await chain()
    await expect(c.peer('R1').set('a', 'mine')).rejects.toMatchObject({ code: 'ERR_READ_ONLY' })
    await expect(c.peer('R1').delete('a')).rejects.toMatchObject({ code: 'ERR_READ_ONLY' })
    await c.settle()
    expect(await c.value('W', 'a')).toBeUndefined()
    expect(await c.value('R1', 'a')).toBeUndefined()
  })

  it('drop the local changes a conflict resolver asks for, with a logged reason', async () => {
    const c = new Cluster(keys)
    await c.add('R', 0xb, {
      access: 'read_only',
      resolver: (k) => ({ keep: k.winner, changes: [{ key: 'copy', value: 1 }] }),
    })
    await c.add('W', 0xa)
    await c.add('W2', 0xc)
    const first = await c.peer('W').set('k', 'w')
    await c.peer('W2').change({ uuid: first.uuid, key: 'k', value: 'w2' }) // concurrent: W2 never saw W's version
    await c.link('W', 'R', 'read_only')
    await c.link('W2', 'R', 'read_only')
    expect(await c.value('R', 'copy')).toBeUndefined()
    expect(c.warnings.join('\n')).toMatch(/R: .*conflict resolver change of "copy" dropped/)
  })
})

describe('forged and unsigned updates', () => {
  async function forgeInto(
    c: Cluster,
    body: ReturnType<typeof updateBody>,
    signature: string,
    bytes = encodeBody(body),
  ): Promise<unknown> {
    // What R1 sends to W on their read-only connection.
    return c.peer('W').receive('R1', { body, signed: { bytes, signature } })
  }

  it('an unsigned update on a read-only connection is rejected and logged', async () => {
    const c = await chain()
    const outcome = await c.peer('W').receive('R1', { body: updateBody(record({ value: 'evil' })) })
    expect(outcome).toMatchObject({ result: 'rejected', error: { code: 'ERR_DATABASE_SIGNATURE' } })
    expect(await c.value('W', 'k')).toBeUndefined()
    expect(c.warnings.join('\n')).toMatch(/W: .*connection R1: rejected ERR_DATABASE_SIGNATURE: unsigned/)
  })

  it('a changed body under a genuine signature is rejected', async () => {
    const c = await chain()
    const real = await c.peer('W').set('k', 'real')
    await c.settle()
    const genuine = (await c.peer('R1').get('k'))?.signed
    expect(genuine).toBeDefined()
    const forged = {
      ...updateBody(real),
      value: 'evil',
      last_updated_rev: 99n,
      vector_clock: { [real.lastUpdatedBy]: 99n },
    }
    const outcome = await forgeInto(c, forged, genuine?.signature ?? '')
    expect(outcome).toMatchObject({ result: 'rejected', error: { code: 'ERR_DATABASE_SIGNATURE' } })
    expect(await c.value('W', 'k')).toBe('real')
  })

  it('an update signed with another key, or with a signature that is not base64, is rejected', async () => {
    const c = await chain()
    const body = updateBody(record({ value: 'evil' }))
    const bytes = encodeBody(body)
    expect(await forgeInto(c, body, await otherKeys.signer.sign(bytes), bytes)).toMatchObject({
      result: 'rejected',
    })
    expect(await forgeInto(c, body, '%%% not base64 %%%', bytes)).toMatchObject({ result: 'rejected' })
    // A read-only peer verifies too, on every connection.
    expect(
      await c
        .peer('R2')
        .receive('R1', { body, signed: { bytes, signature: await otherKeys.signer.sign(bytes) } }),
    ).toMatchObject({ result: 'rejected' })
    expect(await c.value('R2', 'k')).toBeUndefined()
  })

  it('a replayed older signed update changes nothing', async () => {
    const c = await chain()
    await c.peer('W').set('k', 'v1')
    await c.settle()
    const old = (await c.peer('R1').get('k'))?.signed
    await c.peer('W').set('k', 'v2')
    await c.settle()
    if (!old) throw new Error('no signed message stored')
    expect(
      await c.peer('W').receive('R1', { body: JSON.parse(new TextDecoder().decode(old.bytes)), signed: old }),
    ).toMatchObject({ result: 'discarded', reason: 'older' })
    expect(await c.value('W', 'k')).toBe('v2')
  })
})

describe('between read-write peers', () => {
  it('updates travel unsigned', async () => {
    const c = new Cluster(keys)
    await c.add('A', 0xa)
    await c.add('B', 0xb)
    await c.link('A', 'B')
    await c.peer('A').set('x', 1)
    await c.settle()
    expect(await c.value('B', 'x')).toBe(1)
    expect(c.sent.every((s) => s.message.kind === 'm')).toBe(true)
  })
})

describe('signatures made by a read-write peer', () => {
  it('are kept with the record, so the next read-only peer costs no new signature', async () => {
    let signatures = 0
    const counting = {
      ...keys,
      signer: { sign: (bytes: Uint8Array) => (signatures++, keys.signer.sign(bytes)) },
    }
    const c = new Cluster(counting)
    await c.add('W', 0xa)
    await c.add('R1', 0xb, { access: 'read_only' })
    await c.add('R2', 0xc, { access: 'read_only' })
    await c.link('W', 'R1', 'read_only')
    const r = await c.peer('W').set('a', 1)
    await c.settle()
    expect(signatures).toBe(1)
    expect((await c.peer('W').getByUuid(r.uuid))?.signed).toBeDefined()
    await c.link('W', 'R2', 'read_only')
    expect(await c.value('R2', 'a')).toBe(1)
    expect(signatures).toBe(1)
  })
})
