/**
 * The bounds every reader enforces on what comes off the wire (DESIGN.md, "Every limit in the draft
 * is enforced on input"). The first two are the draft's; the others are ours, chosen so that a
 * well-behaved peer never meets them and a hostile one cannot make us buffer or spin without end.
 * docs/protocol-notes/wire.md says why each has the value it has.
 */

/** core.md: "The maximum size for the JSON body is 16777216 bytes." */
export const MAX_BODY_BYTES = 16 * 1024 * 1024

/** core.md: "The size for each chunk shall be no greater than 16777216 bytes." */
export const MAX_CHUNK_BYTES = 16 * 1024 * 1024

/** core.md: "the recommended chunk size is a megabyte". What our writer sends. */
export const RECOMMENDED_CHUNK_BYTES = 1024 * 1024

/** A base64 RSA signature: 2048-bit keys give 344 characters; this allows keys up to 16384 bits. */
export const MAX_SIGNATURE_BYTES = 4096

/** Decimal digits in any length: 16777216 has eight. */
export const MAX_LENGTH_DIGITS = 8

/** ASCII whitespace accepted between two elements (messages, signature, chunks). */
export const MAX_GAP_BYTES = 4096

/** A payload chunk smaller than this (other than the final empty one) counts as a runt... */
export const RUNT_CHUNK_BYTES = 64

/** ...and this many runts in a row within one payload is a flood, not a transfer. */
export const MAX_CONSECUTIVE_RUNT_CHUNKS = 1024
