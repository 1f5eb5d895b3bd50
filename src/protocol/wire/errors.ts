/**
 * Everything that can be wrong with a wire stream, as stable codes. Each maps to one protocol
 * action: the peer broke the framing, so the connection is closed with the error as the logged
 * reason (DESIGN.md, "a peer that breaks one is disconnected with a logged reason").
 */
export const WireErrorCode = {
  /** A message did not start with m, !, s or $. */
  Prefix: 'ERR_WIRE_PREFIX',
  /** A body, signature or chunk length is missing, not decimal, too long or above its bound. */
  Length: 'ERR_WIRE_LENGTH',
  /** The header is not followed by what it announces (a colon, a newline after a chunk length). */
  Header: 'ERR_WIRE_HEADER',
  /** The body is not valid UTF-8. */
  Utf8: 'ERR_WIRE_UTF8',
  /** The body is not valid JSON. */
  Json: 'ERR_WIRE_JSON',
  /** The body is JSON but not an object, or has no string "type". */
  Body: 'ERR_WIRE_BODY',
  /** The signature is not base64. */
  Signature: 'ERR_WIRE_SIGNATURE',
  /** Too much whitespace between elements, or too many tiny chunks in a row. */
  Flood: 'ERR_WIRE_FLOOD',
  /** The stream ended in the middle of a message. */
  Truncated: 'ERR_WIRE_TRUNCATED',
  /** A gzip frame is malformed, too large, or does not inflate. */
  Gzip: 'ERR_WIRE_GZIP',
} as const
export type WireErrorCode = (typeof WireErrorCode)[keyof typeof WireErrorCode]

export class WireError extends Error {
  /**
   * @param offset the byte offset in the stream where the fault was found, or null for an error
   *   raised while encoding (there is no stream yet).
   */
  constructor(
    readonly code: WireErrorCode,
    readonly detail: string,
    readonly offset: number | null,
    options?: ErrorOptions,
  ) {
    super(offset === null ? detail : `${detail} (at byte ${offset})`, options)
    this.name = 'WireError'
  }
}

/** A byte as a person reads it in an error message: 'x' (0x78), or just 0x00 when unprintable. */
export function describeByte(byte: number): string {
  const hex = `0x${byte.toString(16).padStart(2, '0')}`
  return byte >= 0x20 && byte < 0x7f ? `'${String.fromCharCode(byte)}' (${hex})` : hex
}
