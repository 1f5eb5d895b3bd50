/**
 * The folder a share is joined into, made when missing: a join that is then refused (a code made on
 * this device, a path the checks refuse once made) must not leave a folder the person never had.
 */
import { mkdir, rmdir } from 'node:fs/promises'
import { dirname } from 'node:path'

/** Removes the folders a `makeFolder` call made that are still empty; never one that was there. */
export type UnmakeFolder = () => Promise<void>

/** For a location where nothing was made. */
export const NOTHING_MADE: UnmakeFolder = () => Promise.resolve()

/**
 * Makes `location` (absolute, written plainly) and every folder missing above it. The answer
 * removes those, deepest first; rmdir itself refuses a folder with anything in it, so nothing put
 * there since is lost, and a folder that stays keeps the ones above it.
 */
export async function makeFolder(location: string): Promise<UnmakeFolder> {
  const first = await mkdir(location, { recursive: true })
  if (first === undefined) return NOTHING_MADE
  // `first` and `location` are both on the way up from `location`: what starts with `first` was made.
  const made: string[] = []
  for (let folder = location; folder.startsWith(first); folder = dirname(folder)) made.push(folder)
  return async () => {
    for (const folder of made) {
      try {
        await rmdir(folder)
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') return // gone already: the next may go
      }
    }
  }
}
