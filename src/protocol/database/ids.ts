/**
 * 128-bit IDs (peer IDs, record `uuid`s): 32 lowercase hexadecimal characters on the wire, as in
 * every example of core.md and database.md.
 */
export type PeerId = string

const ID_PATTERN = /^[0-9a-f]{32}$/

export function isId(text: string): boolean {
  return ID_PATTERN.test(text)
}

/** A fresh random 128-bit ID from the platform's cryptographic random source. */
export function randomId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16))
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')
}
