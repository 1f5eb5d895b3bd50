import { describe, expect, it } from 'vitest'
import { DatabaseError } from '../../../src/protocol/database/errors'
import { parseUpdate, updateBody } from '../../../src/protocol/database/record'
import type { JsonObject } from '../../../src/protocol/wire/json-value'
import { decodeBody, encodeBody, record } from './helpers'

/** database.md, "Record Changes": the draft's example update. */
const EXAMPLE: JsonObject = {
  type: 'database.update',
  key: 'photo-1234',
  value: { camera: 'NIKON ...', taken: '...' },
  uuid: '9223bf8014507dca629123485dc3a207',
  last_updated_by: 'b934d9de020109fde790cd39acce73fc',
  last_updated_rev: 15,
  update_time: '2014-02-23T23:45:39Z',
  vector_clock: {
    b934d9de020109fde790cd39acce73fc: 44,
    d38a0af145c48b75289e72985e3cc50a: 35,
    c35be68aadc0e208b6c71f7be77f2975: 43,
  },
}

describe('database.update bodies', () => {
  it("parses the draft's example (no `deleted` field: a live record)", () => {
    const r = parseUpdate(EXAMPLE)
    expect(r.key).toBe('photo-1234')
    expect(r.lastUpdatedRev).toBe(15n)
    expect(r.updateTime).toBe(BigInt(Date.UTC(2014, 1, 23, 23, 45, 39)) * 1_000_000n)
    expect(r.vectorClock.get('d38a0af145c48b75289e72985e3cc50a')).toBe(35n)
    expect(r.deleted).toBe(false)
  })

  it('round-trips a record with 64-bit fields and big integers in the value through the codec', () => {
    const r = record({
      value: { size: 3762440519426216896n, list: [1, 2n ** 60n, 'x'], nested: { ok: true, none: null } },
      lastUpdatedRev: 2n ** 63n - 1n,
      vectorClock: new Map([['b934d9de020109fde790cd39acce73fc', 2n ** 62n + 7n]]),
      updateTime: 1_396_183_029_113_243_778n,
      deleted: true,
    })
    expect(parseUpdate(decodeBody(encodeBody(updateBody(r))))).toEqual(r)
  })

  it('keeps the signed message it arrived as', () => {
    const signed = { bytes: encodeBody(EXAMPLE), signature: 'c2ln' }
    expect(parseUpdate(EXAMPLE, signed).signed).toBe(signed)
  })

  it('keeps a copy of a signed message that is a view of a larger buffer, not the buffer', () => {
    // As the wire decoder hands it out: a view of a 1 MiB inflated frame, file data around it.
    const body = encodeBody(EXAMPLE)
    const frame = new Uint8Array(1024 * 1024)
    frame.set(body, 4096)
    const kept = parseUpdate(EXAMPLE, { bytes: frame.subarray(4096, 4096 + body.length), signature: 'c2ln' })
    expect(kept.signed?.bytes).toEqual(body)
    expect(kept.signed?.bytes.buffer.byteLength).toBe(body.length)
  })

  const bad: Array<[string, JsonObject, string]> = [
    ['wrong type', { type: 'database.other' }, 'type'],
    ['key not a string', { key: 5 }, 'key'],
    ['value missing on a live record', { value: undefined as never }, 'value'],
    ['uuid too short', { uuid: 'abc' }, 'uuid'],
    ['uuid in upper case', { uuid: '9223BF8014507DCA629123485DC3A207' }, 'uuid'],
    ['last_updated_by not hex', { last_updated_by: 'zz34d9de020109fde790cd39acce73fc' }, 'last_updated_by'],
    ['revision zero (the counter starts with one)', { last_updated_rev: 0 }, 'last_updated_rev'],
    ['revision negative', { last_updated_rev: -3 }, 'last_updated_rev'],
    ['revision a fraction', { last_updated_rev: 1.5 }, 'last_updated_rev'],
    ['revision beyond 2^63-1', { last_updated_rev: 2n ** 63n }, 'last_updated_rev'],
    ['revision a string', { last_updated_rev: '15' }, 'last_updated_rev'],
    ['update_time not ISO 8601', { update_time: 'yesterday' }, 'update_time'],
    ['update_time beyond 64-bit nanoseconds', { update_time: '2300-01-01T00:00:00Z' }, 'update_time'],
    ['vector_clock an array', { vector_clock: [] }, 'vector_clock'],
    ['vector_clock member key not an ID', { vector_clock: { peer: 1 } }, 'vector_clock.peer'],
    [
      'vector_clock member negative',
      { vector_clock: { b934d9de020109fde790cd39acce73fc: -1 } },
      'vector_clock.b934d9de020109fde790cd39acce73fc',
    ],
    ['deleted not a boolean', { deleted: 'yes' }, 'deleted'],
  ]
  it.each(bad)('rejects %s, naming the field', (_name, change, field) => {
    const body: JsonObject = { ...EXAMPLE, ...change }
    for (const [k, v] of Object.entries(change)) if (v === undefined) delete body[k]
    let error: unknown
    try {
      parseUpdate(body)
    } catch (err) {
      error = err
    }
    expect(error).toBeInstanceOf(DatabaseError)
    expect((error as DatabaseError).code).toBe('ERR_DATABASE_FIELD')
    expect((error as DatabaseError).message).toContain(`field "${field}"`)
  })

  it('accepts a deleted record without a value', () => {
    const { value: _value, ...rest } = EXAMPLE
    const r = parseUpdate({ ...rest, deleted: true })
    expect(r.deleted).toBe(true)
    expect(r.value).toBeNull()
  })
})
