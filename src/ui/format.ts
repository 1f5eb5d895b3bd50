/** How sizes, rates and times read in the interface (one place, so every view says them alike). */

const UNITS = ['B', 'kB', 'MB', 'GB', 'TB']

export function formatBytes(bytes: number): string {
  let value = bytes
  let unit = 0
  while (value >= 1000 && unit < UNITS.length - 1) {
    value /= 1000
    unit++
  }
  return `${unit === 0 ? value : value.toFixed(value < 10 ? 1 : 0)} ${UNITS[unit]}`
}

export function formatRate(bytesPerSecond: number): string {
  return `${formatBytes(Math.round(bytesPerSecond))}/s`
}

/** "about 3 min left"; undefined when nothing moves (no honest estimate exists). */
export function formatEta(bytesRemaining: number, bytesPerSecond: number): string | undefined {
  if (bytesRemaining <= 0 || bytesPerSecond <= 0) return undefined
  const seconds = Math.ceil(bytesRemaining / bytesPerSecond)
  if (seconds < 60) return `about ${seconds} s left`
  if (seconds < 3600) return `about ${Math.round(seconds / 60)} min left`
  return `about ${(seconds / 3600).toFixed(1)} h left`
}

/** "expires in 23 h", "expired", "never expires". */
export function formatExpiry(expiresAtMs: number | null, nowMs = Date.now()): string {
  if (expiresAtMs === null) return 'never expires'
  const left = expiresAtMs - nowMs
  if (left <= 0) return 'expired'
  if (left < 3_600_000) return `expires in ${Math.max(1, Math.round(left / 60_000))} min`
  if (left < 172_800_000) return `expires in ${Math.round(left / 3_600_000)} h`
  return `expires in ${Math.round(left / 86_400_000)} days`
}

export function levelLabel(level: string): string {
  return level === 'read_write'
    ? 'Can edit'
    : level === 'read_only'
      ? 'Can view'
      : level === 'untrusted'
        ? 'Encrypted copy'
        : level
}
