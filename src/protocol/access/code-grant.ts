/**
 * The life of an access code on the peer that made it (core.md, "Access Code UI"): one-time by
 * default; cancelled at once on request; extended into a multi-use code with an expiry (24 hours
 * unless chosen, or none). A pure, JSON-ready value: the engine persists it and asks it questions.
 *
 *   active --use (one-time)--> used --extend--> active (multi-use)
 *   active --cancel--> cancelled        active --time passes--> expired --extend--> active
 */
import { AccessError, AccessErrorCode } from './errors'

const HOUR_MS = 60 * 60 * 1000
/** A one-time code lives this long unless used first ("short-lived, single-use codes"). */
export const ONE_TIME_CODE_LIFETIME_MS = 24 * HOUR_MS
/** core.md: "an expiration for the access code, defaulting to 24 hours." */
export const DEFAULT_EXTENSION_MS = 24 * HOUR_MS

export type GrantMode = 'one_time' | 'multi_use'
export type GrantStatus = 'active' | 'used' | 'cancelled' | 'expired'

export interface AccessCodeGrant {
  readonly accessId: string
  readonly accessLevel: string
  readonly mode: GrantMode
  readonly createdAtMs: number
  /** null: a multi-use code that never expires. */
  readonly expiresAtMs: number | null
  readonly uses: number
  readonly cancelled: boolean
}

export function newGrant(accessId: string, accessLevel: string, nowMs: number): AccessCodeGrant {
  return {
    accessId,
    accessLevel,
    mode: 'one_time',
    createdAtMs: nowMs,
    expiresAtMs: nowMs + ONE_TIME_CODE_LIFETIME_MS,
    uses: 0,
    cancelled: false,
  }
}

export function grantStatus(grant: AccessCodeGrant, nowMs: number): GrantStatus {
  if (grant.cancelled) return 'cancelled'
  if (grant.mode === 'one_time' && grant.uses > 0) return 'used'
  if (grant.expiresAtMs !== null && nowMs >= grant.expiresAtMs) return 'expired'
  return 'active'
}

/** A peer joined with the code and acknowledged the keys (core.md, "Key Exchange"). */
export function recordUse(grant: AccessCodeGrant, nowMs: number): AccessCodeGrant {
  requireStatus(grant, nowMs, 'use', ['active'])
  return { ...grant, uses: grant.uses + 1 }
}

/** core.md: "the access code is immediately deactivated". A code already used has nothing left to cancel. */
export function cancelGrant(grant: AccessCodeGrant, nowMs: number): AccessCodeGrant {
  requireStatus(grant, nowMs, 'cancel', ['active', 'expired'])
  return { ...grant, cancelled: true }
}

/**
 * Makes the code multi-use until `expiresAtMs` (default: 24 hours from now; null: never). core.md:
 * once used "it will no longer be possible to cancel the access code, but it can still be extended".
 */
export function extendGrant(
  grant: AccessCodeGrant,
  nowMs: number,
  expiresAtMs: number | null = nowMs + DEFAULT_EXTENSION_MS,
): AccessCodeGrant {
  requireStatus(grant, nowMs, 'extend', ['active', 'used', 'expired'])
  // NaN compares false with everything: unchecked, it made a code that never expires.
  if (expiresAtMs !== null && !(Number.isFinite(expiresAtMs) && expiresAtMs > nowMs)) {
    throw new AccessError(
      AccessErrorCode.Grant,
      `an extension must end in the future, got ${timeText(expiresAtMs)}`,
    )
  }
  return { ...grant, mode: 'multi_use', expiresAtMs }
}

/** An ISO time where there is one (a Date holds ±8.64e15 ms), else the number as it came. */
function timeText(ms: number): string {
  return Number.isFinite(ms) && Math.abs(ms) <= 8.64e15 ? new Date(ms).toISOString() : String(ms)
}

function requireStatus(
  grant: AccessCodeGrant,
  nowMs: number,
  action: string,
  allowed: readonly GrantStatus[],
): void {
  const status = grantStatus(grant, nowMs)
  if (!allowed.includes(status)) {
    throw new AccessError(AccessErrorCode.Grant, `cannot ${action} an access code that is ${status}`)
  }
}
