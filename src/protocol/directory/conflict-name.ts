import {
  baseName,
  joinPath,
  parentPath,
  splitExtension,
  MAX_SEGMENT_BYTES,
  type SharePath,
} from './share-path'

/**
 * The loser of a conflict "is preserved in the same directory with a new name. If a conflict is
 * detected in `foo.txt`, the loser will be named `foo.CONFLICT.$random.txt`, where `$random` is a
 * random eight character alphanumeric" (directory.md, "Conflicts").
 *
 * Where the draft is silent:
 * - The random part uses lower-case letters and digits only, so two conflict names never differ
 *   only in case (which would collide on Windows and macOS).
 * - The extension is what follows the last dot ("a.tar.gz" -> "a.tar.CONFLICT.x.gz"); a name with
 *   no dot, or whose only dot leads it (".bashrc"), gets the marker at the end.
 * - A conflict of a conflict file replaces the old marker instead of stacking a second one.
 * - The stem is shortened, never the marker or the extension, to keep a name within 255 bytes.
 */
export type RandomBytes = (length: number) => Uint8Array

export const CONFLICT_MARKER = 'CONFLICT'
const ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789'
const RANDOM_LENGTH = 8
// The largest multiple of 36 below 256: bytes at or above it are drawn again so every character is equally likely.
const UNBIASED_LIMIT = 256 - (256 % ALPHABET.length)
const EXISTING_MARKER = new RegExp(`\\.${CONFLICT_MARKER}\\.[0-9A-Za-z]{${RANDOM_LENGTH}}$`, 'u')

export function randomAlphanumeric(random: RandomBytes, length = RANDOM_LENGTH): string {
  let out = ''
  while (out.length < length) {
    for (const byte of random(length)) {
      if (byte < UNBIASED_LIMIT && out.length < length) out += ALPHABET[byte % ALPHABET.length]
    }
  }
  return out
}

export function conflictName(name: string, random: RandomBytes): string {
  const marker = `.${CONFLICT_MARKER}.${randomAlphanumeric(random)}`
  const utf8 = new TextEncoder()
  const bare = name.replace(EXISTING_MARKER, '') // an extensionless conflict file
  let [stem, extension] = splitExtension(bare)
  // An "extension" so long that no stem fits beside it is not one: keep the marker at the end.
  if (utf8.encode(marker + extension).byteLength >= MAX_SEGMENT_BYTES) [stem, extension] = [bare, '']
  stem = stem.replace(EXISTING_MARKER, '')
  const budget = MAX_SEGMENT_BYTES - utf8.encode(marker + extension).byteLength
  while (utf8.encode(stem).byteLength > budget) stem = [...stem].slice(0, -1).join('')
  return `${stem}${marker}${extension}`
}

/** The loser's path: beside the original, in the same directory. */
export function conflictPath(path: SharePath, random: RandomBytes): SharePath {
  return joinPath(parentPath(path), conflictName(baseName(path), random))
}

/** Whether a name carries a conflict marker (for GUIs, and read-only peers that skip conflict files). */
export function isConflictName(name: string): boolean {
  return EXISTING_MARKER.test(name) || EXISTING_MARKER.test(splitExtension(name)[0])
}
