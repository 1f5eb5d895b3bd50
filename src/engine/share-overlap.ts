/**
 * Two shares of one device must not sync the same files: with one folder inside another, both would
 * sync the inner files under two shares, edits bouncing between them, a deletion in one arriving as
 * a change in the other, and the outer share uploading the inner one's temporary files.
 */

/** How a new share's folder stands to an existing share's: the same folder, inside it, or holding it. */
export type Overlap = 'same' | 'inside' | 'contains'

/** Whether `inner` lies below `outer`, segment by segment: `/a/Photos2` is not inside `/a/Photos`. */
function isInside(inner: string, outer: string): boolean {
  return inner.startsWith(outer.endsWith('/') ? outer : `${outer}/`)
}

/** How the real path `candidate` stands to the real path `existing`, if they overlap. */
export function overlapOf(candidate: string, existing: string): Overlap | undefined {
  if (candidate === existing) return 'same'
  if (isInside(candidate, existing)) return 'inside'
  return isInside(existing, candidate) ? 'contains' : undefined
}

/**
 * Why `subject` (the new folder, as the person wrote it) cannot be shared (`create`) or joined into
 * (`join`): it overlaps the share at `existing`, named so the person knows which one is in the way.
 */
export function overlapMessage(
  subject: string,
  existing: string,
  overlap: Overlap,
  purpose: 'create' | 'join',
): string {
  const share = `the share '${existing}'`
  const outside = purpose === 'create' ? 'share a folder outside it' : 'join into a folder outside it'
  if (overlap === 'contains') return `${subject} contains ${share}; remove that share first, or ${outside}`
  const instead = purpose === 'create' ? 'share that folder instead' : outside
  const relation = overlap === 'same' ? 'is the folder of' : 'is inside'
  return `${subject} ${relation} ${share}; ${instead}, or remove that share first`
}

/** A share's folder as stored (`at`) and as its real path. */
export interface PlacedShare {
  readonly at: string
  readonly real: string
}

/** Each location with its real path. */
export function placeShares(
  locations: readonly string[],
  realLocation: (location: string) => Promise<string>,
): Promise<PlacedShare[]> {
  return Promise.all(locations.map(async (at) => ({ at, real: await realLocation(at) })))
}

/**
 * Two shares (or pending joins) of this device that overlap already, stored before shares were
 * checked: both are kept, since refusing to start or dropping one would stop syncing the person
 * chose; `message` says what is wrong and what to do about it.
 */
export interface ExistingOverlap {
  /** The share holding the other's folder (for the same folder twice: the first one). */
  readonly outer: string
  readonly inner: string
  readonly message: string
}

/** The overlap of two shares already registered, where `a` stands to `b` as `overlap` says. */
export function existingOverlap(a: PlacedShare, b: PlacedShare, overlap: Overlap): ExistingOverlap {
  const [outer, inner] = overlap === 'inside' ? [b, a] : [a, b]
  // Removing a share forgets it on this device only; the person may fear losing the files.
  const remedy = 'remove one of the two shares (its files stay where they are)'
  const message =
    overlap === 'same'
      ? `the shares '${outer.at}' and '${inner.at}' are the same folder '${outer.real}', so its files sync under both; ${remedy}`
      : `the share '${inner.at}' is inside the share '${outer.at}', so the files in it sync under both; ${remedy}`
  return { outer: outer.at, inner: inner.at, message }
}
