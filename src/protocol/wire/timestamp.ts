/**
 * Datetime values (core.md, "Datetime Values"): ISO 8601 strings with up to nanosecond precision.
 * Inside the program a timestamp is a bigint count of nanoseconds since the Unix epoch, so that
 * comparisons and round trips are exact where a Date (milliseconds) would not be.
 */
const ISO_8601 = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:?\d{2})$/i

const NS_PER_MS = 1_000_000n
const NS_PER_SECOND = 1_000_000_000n

/**
 * The instants the format can write: its year has four digits (0000-01-01T00:00:00Z up to
 * 9999-12-31T23:59:59.999999999Z). Beyond them `toISOString` writes `+010000-…` or `-000001-…`,
 * which readers of the four-digit form (Go's `time.Parse` with RFC 3339 among them) refuse.
 */
const MIN_TIMESTAMP_NS: Nanoseconds = -62_167_219_200n * NS_PER_SECOND
const MAX_TIMESTAMP_NS: Nanoseconds = 253_402_300_800n * NS_PER_SECOND - 1n
/** RFC 3339 section 5.6 `time-numoffset`: hour 00-23, minute 00-59 (Go's parser has the same bounds). */
const MAX_OFFSET_HOURS = 23
const MAX_OFFSET_MINUTES = 59

export class TimestampError extends Error {
  readonly code = 'ERR_TIMESTAMP'
}

/** Nanoseconds since 1970-01-01T00:00:00Z. */
export type Nanoseconds = bigint

export function parseTimestamp(text: string): Nanoseconds {
  const m = ISO_8601.exec(text)
  if (!m)
    throw new TimestampError(
      `timestamp ${JSON.stringify(text.slice(0, 64))} is not ISO 8601 (YYYY-MM-DDThh:mm:ss[.fraction]Z)`,
    )
  const [, y, mo, d, h, mi, s, fraction = '', zone = 'Z'] = m
  // Not Date.UTC: it reads years 0 to 99 as 1900 to 1999 (Go's zero time is 0001-01-01).
  const day = new Date(0)
  day.setUTCFullYear(Number(y), Number(mo) - 1, Number(d))
  // The date is checked before the time is added: a leap second (23:59:60) rolls into the next day.
  if (
    Number.isNaN(day.getTime()) ||
    day.getUTCDate() !== Number(d) ||
    day.getUTCMonth() !== Number(mo) - 1 ||
    Number(h) > 23 ||
    Number(mi) > 59 ||
    Number(s) > 60
  ) {
    throw new TimestampError(`timestamp ${JSON.stringify(text)} names a date or time that does not exist`)
  }
  // A leap second is read as the first second of the next minute.
  const ms = day.getTime() + ((Number(h) * 60 + Number(mi)) * 60 + Number(s)) * 1000
  const subSecond = BigInt(fraction.padEnd(9, '0') || '0')
  let offsetMinutes = 0
  if (zone.toUpperCase() !== 'Z') {
    const sign = zone.startsWith('-') ? -1 : 1
    const digits = zone.slice(1).replace(':', '')
    const hours = Number(digits.slice(0, 2))
    const minutes = Number(digits.slice(2))
    if (hours > MAX_OFFSET_HOURS || minutes > MAX_OFFSET_MINUTES)
      throw new TimestampError(
        `timestamp ${JSON.stringify(text)} has offset ${zone}: hours must be at most ${MAX_OFFSET_HOURS}, minutes at most ${MAX_OFFSET_MINUTES}`,
      )
    offsetMinutes = sign * (hours * 60 + minutes)
  }
  const ns = BigInt(ms) * NS_PER_MS + subSecond - BigInt(offsetMinutes) * 60n * NS_PER_SECOND
  // An offset can carry year 0000 or 9999 past the four-digit range; such a value could not be written back.
  if (!timestampIsWritable(ns))
    throw new TimestampError(`timestamp ${JSON.stringify(text)} is outside years 0000 to 9999 in UTC`)
  return ns
}

/** Whether `formatTimestamp` can write `ns` (years 0000 to 9999). */
export function timestampIsWritable(ns: Nanoseconds): boolean {
  return ns >= MIN_TIMESTAMP_NS && ns <= MAX_TIMESTAMP_NS
}

/** The canonical form: UTC, always nine fractional digits, so formatting then parsing is exact. */
export function formatTimestamp(ns: Nanoseconds): string {
  if (!timestampIsWritable(ns))
    throw new TimestampError(
      `timestamp ${ns} ns since 1970-01-01T00:00:00Z is outside years 0000 to 9999, which ISO 8601 datetime values (YYYY-MM-DD…) cannot write`,
    )
  let seconds = ns / NS_PER_SECOND
  let sub = ns % NS_PER_SECOND
  if (sub < 0n) {
    sub += NS_PER_SECOND
    seconds -= 1n
  }
  const iso = new Date(Number(seconds) * 1000).toISOString() // YYYY-MM-DDThh:mm:ss.000Z
  return `${iso.slice(0, 19)}.${sub.toString().padStart(9, '0')}Z`
}

/** The current time; sub-millisecond digits come from the monotonic clock where there is one. */
export function nowTimestamp(clockMs: () => number = Date.now): Nanoseconds {
  return BigInt(Math.round(clockMs() * 1000)) * 1000n
}
