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
