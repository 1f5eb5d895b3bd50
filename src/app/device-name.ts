/** This device's name as the app keeps it (settings.ts), apart from the page's APIs so it can be tested anywhere. */

/**
 * The longest device name kept, as the daemon keeps it (src/engine/control-config.ts): peers refuse
 * a greeting whose name passes core.md's bound, and every connection would fail without a word.
 */
export const DEVICE_NAME_MAX_CHARS = 64

/** A saved name on one line within the bound; none (or an emptied one) is the browser's default. */
export function deviceNameOf(saved: unknown, fallback: string): string {
  if (typeof saved !== 'string') return fallback
  const name = saved.replace(/\s+/g, ' ').trim().slice(0, DEVICE_NAME_MAX_CHARS)
  return name === '' ? fallback : name
}
