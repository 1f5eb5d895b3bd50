/** The life of an access code: one-time by default, cancel, extend into multi-use with an expiry. */
import { describe, expect, it } from 'vitest'
import {
  AccessErrorCode,
  DEFAULT_EXTENSION_MS,
  ONE_TIME_CODE_LIFETIME_MS,
  cancelGrant,
  extendGrant,
  grantStatus,
  newGrant,
  recordUse,
} from '../../../src/protocol/access'

const T0 = Date.UTC(2026, 0, 1)
const fresh = () => newGrant('ab'.repeat(32), 'read_write', T0)

describe('access code grants', () => {
  it('a new code is one-time, active until used or until it expires', () => {
    const grant = fresh()
    expect(grant).toMatchObject({ mode: 'one_time', uses: 0, expiresAtMs: T0 + ONE_TIME_CODE_LIFETIME_MS })
    expect(grantStatus(grant, T0)).toBe('active')
    expect(grantStatus(grant, T0 + ONE_TIME_CODE_LIFETIME_MS)).toBe('expired')
    const used = recordUse(grant, T0 + 1)
    expect(grantStatus(used, T0 + 2)).toBe('used')
    expect(() => recordUse(used, T0 + 2)).toThrow(
      expect.objectContaining({
        code: AccessErrorCode.Grant,
        message: 'cannot use an access code that is used',
      }),
    )
  })

  it('cancel deactivates at once; a used code cannot be cancelled, but can still be extended', () => {
    const cancelled = cancelGrant(fresh(), T0 + 1)
    expect(grantStatus(cancelled, T0 + 1)).toBe('cancelled')
    expect(() => recordUse(cancelled, T0 + 2)).toThrow(/cancelled/)
    expect(() => extendGrant(cancelled, T0 + 2)).toThrow(/cannot extend an access code that is cancelled/)
    const used = recordUse(fresh(), T0 + 1)
    expect(() => cancelGrant(used, T0 + 2)).toThrow(/cannot cancel an access code that is used/)
    const extended = extendGrant(used, T0 + 2)
    expect(grantStatus(extended, T0 + 3)).toBe('active')
  })

  it('extend makes a multi-use code, 24 hours by default, or until a chosen time, or for ever', () => {
    const extended = extendGrant(fresh(), T0 + 10)
    expect(extended).toMatchObject({ mode: 'multi_use', expiresAtMs: T0 + 10 + DEFAULT_EXTENSION_MS })
    const twice = recordUse(recordUse(extended, T0 + 20), T0 + 30)
    expect(twice.uses).toBe(2)
    expect(grantStatus(twice, T0 + 40)).toBe('active')
    expect(grantStatus(twice, T0 + 10 + DEFAULT_EXTENSION_MS)).toBe('expired')
    expect(grantStatus(extendGrant(fresh(), T0, null), T0 + 1e12)).toBe('active')
    expect(() => extendGrant(fresh(), T0 + 5, T0 + 5)).toThrow(
      expect.objectContaining({ code: AccessErrorCode.Grant }),
    )
  })

  it('refuses an extension to a time that is not one, with an access error', () => {
    for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, -1e300])
      expect(() => extendGrant(fresh(), T0, bad), String(bad)).toThrow(
        expect.objectContaining({ code: AccessErrorCode.Grant }),
      )
  })

  it('is a plain JSON value, so the engine persists it as it is', () => {
    const grant = extendGrant(recordUse(fresh(), T0 + 1), T0 + 2, null)
    expect(JSON.parse(JSON.stringify(grant))).toEqual(grant)
  })
})
