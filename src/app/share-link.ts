/**
 * Where an access code arrives from outside: a share link (`https://app/#SYNC…`), the
 * `web+clearskies:` protocol handler, which the manifest maps to `/#%s` (the whole URL,
 * percent-encoded, after the `#`), or a link or text another app shared (the service worker puts
 * it after the `#` too). Returns the code's text to hand to parseAccessCode, or undefined.
 */
import { ACCESS_CODE_CHARS, parseAccessCode } from '../protocol/access'

/** A code somewhere in the text: SYNC and at least 29 more code characters (spaces and dashes allowed). */
const CODE_IN_TEXT = /sync[a-z0-9 -]{29,}/i
/** Where a code may start: SYNC, in any case. */
const CODE_START = /sync/gi
/** What a code is made of as a person hands it over: code characters, spaces and dashes. */
const CODE_CHAR = /[a-z0-9]/i
const SEPARATOR = /[ -]/

export function codeFromHash(hash: string): string | undefined {
  let text = hash.replace(/^#/, '')
  try {
    text = decodeURIComponent(text)
  } catch {
    // Not percent-encoded after all: read it as it is.
  }
  // Shared text has words around the code ("Let's sync our photos: SYNC… see you"): each SYNC
  // starts a candidate of exactly one code's characters; the first that reads as a code wins, one
  // that ends where a word ends before one cut out of a longer run. Failing that, the whole first
  // run, so that the join dialog explains what is wrong with the code as it was sent.
  const candidates = [...text.matchAll(CODE_START)]
    .map((match) => codeAt(text, match.index))
    .filter((c) => c !== undefined)
    .sort((a, b) => Number(b.wholeWord) - Number(a.wholeWord))
  return candidates.find((c) => readsAsCode(c.text))?.text ?? CODE_IN_TEXT.exec(text)?.[0].trim()
}

/** From `start`, the text up to the code's last character, or undefined if a code does not fit. */
function codeAt(text: string, start: number): { text: string; wholeWord: boolean } | undefined {
  let chars = 0
  for (let i = start; i < text.length; i++) {
    const char = text[i]!
    if (CODE_CHAR.test(char)) {
      if (++chars === ACCESS_CODE_CHARS)
        return { text: text.slice(start, i + 1), wholeWord: !CODE_CHAR.test(text[i + 1] ?? '') }
    } else if (!SEPARATOR.test(char)) return undefined
  }
  return undefined
}

function readsAsCode(candidate: string): boolean {
  try {
    parseAccessCode(candidate)
    return true
  } catch {
    return false
  }
}

/** The share a `#/share/NAME` address names, or undefined where NAME is not valid percent-encoding. */
export function shareFromRoute(encoded: string): string | undefined {
  try {
    return decodeURIComponent(encoded)
  } catch {
    return undefined // a link cut in the middle of an escape: the list of shares, not a dead page
  }
}
