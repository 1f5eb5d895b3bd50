/**
 * The Luhn mod N check character (core.md: "a LUN check digit is added, using the LUN mod N
 * algorithm, where N is 32"), over the base32 alphabet, as Wikipedia's "Luhn mod N algorithm"
 * states it: from the rightmost character, every other code point is doubled and its base-N digits
 * summed. Doubled and summed so, 0..31 map one to one onto 0..31, so any single changed character
 * changes the sum mod 32 and is caught (test/protocol/access/access-code.test.ts tries every one).
 */
import { BASE32_ALPHABET } from './base32'

const N = BASE32_ALPHABET.length

/** The check character for upper-case base32 text; throws on any other character. */
export function luhn32CheckCharacter(text: string): string {
  let factor = 2
  let sum = 0
  for (let i = text.length - 1; i >= 0; i--) {
    const codePoint = BASE32_ALPHABET.indexOf(text[i]!)
    if (codePoint < 0) throw new RangeError(`'${text[i]}' is not a base32 character`)
    const addend = factor * codePoint
    sum += Math.floor(addend / N) + (addend % N)
    factor = factor === 2 ? 1 : 2
  }
  return BASE32_ALPHABET[(N - (sum % N)) % N]!
}
