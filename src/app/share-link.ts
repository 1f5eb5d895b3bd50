/**
 * Where an access code arrives from outside: a share link (`https://app/#SYNC…`), the
 * `web+clearskies:` protocol handler, which the manifest maps to `/#%s` (the whole URL,
 * percent-encoded, after the `#`), or a link or text another app shared (the service worker puts
 * it after the `#` too). Returns the code's text to hand to parseAccessCode, or undefined.
 */
/** A code somewhere in the text: SYNC and at least 29 more code characters (spaces and dashes allowed). */
const CODE_IN_TEXT = /sync[a-z0-9 -]{29,}/i

export function codeFromHash(hash: string): string | undefined {
  let text = hash.replace(/^#/, '')
  try {
    text = decodeURIComponent(text)
  } catch {
    // Not percent-encoded after all: read it as it is.
  }
  return CODE_IN_TEXT.exec(text)?.[0].trim()
}
