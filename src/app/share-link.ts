/**
 * Where an access code arrives from outside: a share link (`https://app/#SYNC…`) or the
 * `web+clearskies:` protocol handler, which the manifest maps to `/#%s` (the whole URL,
 * percent-encoded, after the `#`). Returns the text to hand to parseAccessCode, or undefined.
 */
const PROTOCOL = /^web\+clearskies:(\/\/)?/i

export function codeFromHash(hash: string): string | undefined {
  let text = hash.replace(/^#/, '')
  if (!text) return undefined
  try {
    text = decodeURIComponent(text)
  } catch {
    return text
  }
  text = text.replace(PROTOCOL, '')
  return /^[a-z0-9 -]{20,}$/i.test(text) || /^clearskies:/i.test(text) ? text : undefined
}
