/**
 * Which temporary files each folder holds, listed once per folder: whether `openTemp` has a
 * partial file to resume. Asking the folder for the name instead is a NotFoundError round trip
 * for nearly every file of a fresh sync (thousands of them, a hundred to a folder).
 *
 * The store notes the temporary files it writes and removes. Should the list be wrong (another
 * tab's file, one removed by hand), nothing breaks: a file believed missing is started over (a
 * resume lost, never bytes mixed, see `memory-temp-file.ts`), and one believed there is opened,
 * and created if it is not.
 */
import type { LocalPath } from '../../protocol/directory/local-names'
import { TEMP_SUFFIX } from '../../protocol/directory/ignore'

export class LeftTemps {
  private readonly byDir = new Map<LocalPath, Promise<Set<string>>>()

  /** Whether the folder `localDir` (that is `dir`) holds the temporary file `name`. */
  async has(localDir: LocalPath, dir: FileSystemDirectoryHandle, name: string): Promise<boolean> {
    let names = this.byDir.get(localDir)
    if (!names) {
      names = listTemps(dir)
      this.byDir.set(localDir, names)
      // A folder that could not be listed is asked again next time.
      names.catch(() => this.byDir.delete(localDir))
    }
    return (await names).has(name)
  }

  /** The store wrote `name` in `localDir`, or removed it (`present` false). */
  note(localDir: LocalPath, name: string, present: boolean): void {
    const names = this.byDir.get(localDir)
    if (!names) return // listed when first asked
    void names.then(
      (set) => (present ? set.add(name) : set.delete(name)),
      () => undefined,
    )
  }

  /** A folder removed or moved, or the cache of handles cleared: listed again when asked. */
  forget(localDir: LocalPath): void {
    const prefix = `${localDir}/`
    for (const key of this.byDir.keys())
      if (key === localDir || key.startsWith(prefix)) this.byDir.delete(key)
  }

  clear(): void {
    this.byDir.clear()
  }
}

async function listTemps(dir: FileSystemDirectoryHandle): Promise<Set<string>> {
  const names = new Set<string>()
  for await (const name of dir.keys()) if (name.endsWith(TEMP_SUFFIX)) names.add(name)
  return names
}
