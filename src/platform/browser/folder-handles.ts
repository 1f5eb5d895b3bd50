/**
 * Folders the person picked (File System Access API), remembered by share location so a share
 * reopens on its folder after a reload. The handle survives in IndexedDB; the permission does
 * not: after a reload Chromium answers 'prompt', and only the page, on a click, can ask again.
 */
import type { DBSchema, IDBPDatabase } from 'idb'
import type { DatabaseNotices } from './database-notices'
import { openDatabase } from './idb-open'

interface HandleSchema extends DBSchema {
  folders: { key: string; value: FileSystemDirectoryHandle }
}

export class FolderHandles {
  private constructor(private readonly db: IDBPDatabase<HandleSchema>) {}

  static async open(name = 'clearskies-folders', notices?: DatabaseNotices): Promise<FolderHandles> {
    return new FolderHandles(
      await openDatabase<HandleSchema>(name, 1, (db) => void db.createObjectStore('folders'), notices),
    )
  }

  async get(location: string): Promise<FileSystemDirectoryHandle | undefined> {
    return this.db.get('folders', location)
  }

  async set(location: string, handle: FileSystemDirectoryHandle): Promise<void> {
    await this.db.put('folders', handle, location)
  }

  async delete(location: string): Promise<void> {
    await this.db.delete('folders', location)
  }

  close(): void {
    this.db.close()
  }
}
