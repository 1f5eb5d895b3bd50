/** The few ASCII bytes the framing is made of, and a bounded decimal length read digit by digit. */
import { WireError, WireErrorCode, describeByte } from './errors'
import { MAX_LENGTH_DIGITS } from './limits'

export const NEWLINE = 0x0a
export const CARRIAGE_RETURN = 0x0d
export const COLON = 0x3a
export const OPEN_BRACE = 0x7b

export function isAsciiWhitespace(byte: number): boolean {
  return byte === 0x20 || byte === NEWLINE || byte === CARRIAGE_RETURN || byte === 0x09
}

export function isAsciiDigit(byte: number): boolean {
  return byte >= 0x30 && byte <= 0x39
}

/**
 * Reads a decimal length that may arrive split across input slices. Checks the bound as each digit
 * arrives, so a hostile peer cannot send an endless run of digits.
 */
export class LengthParser {
  private digits = 0
  private total = 0

  constructor(
    private readonly what: string,
    private readonly maxValue: number,
  ) {}

  get value(): number {
    return this.total
  }

  get hasDigits(): boolean {
    return this.digits > 0
  }

  reset(): void {
    this.digits = 0
    this.total = 0
  }

  /** Adds one digit; `offset` is the digit's position in the stream, for the error. */
  addDigit(byte: number, offset: number): void {
    this.digits += 1
    this.total = this.total * 10 + (byte - 0x30)
    if (this.digits > MAX_LENGTH_DIGITS) {
      throw new WireError(
        WireErrorCode.Length,
        `${this.what} has more than ${MAX_LENGTH_DIGITS} digits`,
        offset,
      )
    }
    if (this.total > this.maxValue) {
      throw new WireError(
        WireErrorCode.Length,
        `${this.what} ${this.total} exceeds the maximum of ${this.maxValue} bytes`,
        offset,
      )
    }
  }

  /** The length is complete at a non-digit byte: there must have been at least one digit. */
  finish(byte: number, offset: number): number {
    if (this.digits === 0) {
      throw new WireError(
        WireErrorCode.Length,
        `expected the ${this.what} in decimal digits, got ${describeByte(byte)}`,
        offset,
      )
    }
    return this.total
  }
}
