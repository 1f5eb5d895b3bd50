/**
 * Reads an access code the way a person hands it over (DESIGN.md: "Input accepts lower case,
 * spaces and dashes, O/0 and L/1 confusions, and the URL forms"):
 *   SYNC…                              the code, in any case, with spaces or dashes anywhere
 *   clearskies://directory/SYNC…       core.md's URL form, for any extension name
 *   https://host/any/path#SYNC…        the web app's link: the code is the fragment, so it never
 *                                      reaches a server (docs/protocol-notes/access.md)
 * Base32 has no 0 and no 1: a 0 can only be an O; a 1 is an I or an L, and the check character
 * decides which.
 */
import {
  type AccessCode,
  ACCESS_CODE_CHARS,
  accessCodeFromCanonicalText,
  hasValidCheckCharacter,
  isBase32Character,
} from './access-code'
import { AccessError, AccessErrorCode } from './errors'

const CLEARSKIES_URL = /^clearskies:\/\/[a-z0-9._-]+\/(.*)$/i
const WEB_URL = /^https?:\/\//i
/** 2^6 readings at most: a code with more 1s than this was not copied from one of ours. */
const MAX_AMBIGUOUS_ONES = 6

/** The web app's link for a code: the code goes in the fragment, after the app's own URL. */
export function accessCodeLink(code: AccessCode, appUrl: string): string {
  return `${appUrl.replace(/#.*$/, '')}#${code.text}`
}

/** core.md's URL form, for an official extension ("clearskies://directory/"). */
export function accessCodeUrl(code: AccessCode, extension = 'directory'): string {
  return `clearskies://${extension}/${code.text}`
}

export function parseAccessCode(input: string): AccessCode {
  const candidate = stripLink(input.trim())
    .replace(/[\s-]+/g, '')
    .toUpperCase()
    .replaceAll('0', 'O')
  if (candidate.length !== ACCESS_CODE_CHARS) {
    throw new AccessError(
      AccessErrorCode.CodeLength,
      `an access code has ${ACCESS_CODE_CHARS} characters (not counting spaces and dashes), got ${candidate.length}`,
    )
  }
  for (let i = 0; i < candidate.length; i++) {
    const char = candidate[i]!
    if (char !== '1' && !isBase32Character(char)) {
      throw new AccessError(
        AccessErrorCode.CodeCharacter,
        `character ${i + 1} of the access code, '${char}', is not one of A–Z and 2–7`,
      )
    }
  }
  return accessCodeFromCanonicalText(resolveOnes(candidate))
}

function stripLink(input: string): string {
  const clearskies = CLEARSKIES_URL.exec(input)
  if (clearskies) return decodeLinkPart(clearskies[1]!)
  if (!WEB_URL.test(input)) return input
  const hash = input.indexOf('#')
  if (hash < 0) {
    throw new AccessError(AccessErrorCode.CodeLink, 'the link has no access code after a "#"')
  }
  return decodeLinkPart(input.slice(hash + 1))
}

/** Chat apps sometimes percent-encode what they pass on (a space as %20). */
function decodeLinkPart(part: string): string {
  try {
    return decodeURIComponent(part)
  } catch (err) {
    throw new AccessError(AccessErrorCode.CodeLink, `the link's code part is not valid percent-encoding`, {
      cause: err,
    })
  }
}

/** Picks the one reading of the 1s as I or L that passes the check; the check then explains a failure. */
function resolveOnes(candidate: string): string {
  const ones = [...candidate].flatMap((char, i) => (char === '1' ? [i] : []))
  if (ones.length === 0) return candidate
  if (ones.length > MAX_AMBIGUOUS_ONES) {
    throw new AccessError(
      AccessErrorCode.CodeCharacter,
      `the access code has ${ones.length} 1s; type each as the I or L it stands for`,
    )
  }
  const passing: string[] = []
  for (let mask = 0; mask < 1 << ones.length; mask++) {
    const chars = [...candidate]
    ones.forEach((at, bit) => (chars[at] = mask & (1 << bit) ? 'L' : 'I'))
    const reading = chars.join('')
    if (hasValidCheckCharacter(reading)) passing.push(reading)
  }
  if (passing.length > 1) {
    throw new AccessError(
      AccessErrorCode.CodeAmbiguous,
      'the access code’s 1s can be read as I or L in more than one way; type them as letters',
    )
  }
  // No reading passes: report the check failure on the first, as for any other typo.
  return passing[0] ?? candidate.replaceAll('1', 'I')
}
