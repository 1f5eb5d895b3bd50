/**
 * Browser storage that lasts: without `navigator.storage.persist()` the browser may evict OPFS and
 * IndexedDB under storage pressure, and a share in browser storage would be gone. Chromium grants
 * it without a prompt to sites the person uses (an installed app, a bookmark); others may ask.
 */
export interface StorageReport {
  /** Whether the site's storage is now exempt from eviction. */
  readonly persisted: boolean
  /** Bytes used and allowed, as the browser estimates them; undefined where it cannot say. */
  readonly usageBytes: number | undefined
  readonly quotaBytes: number | undefined
}

/** `persist()` is the page's alone ("[Exposed=Window]"); a worker can only ask whether it was granted. */
interface PersistableStorage {
  persisted(): Promise<boolean>
  persist?(): Promise<boolean>
  estimate(): Promise<StorageEstimate>
}

/** Asks for persistence (from the page) and reports the outcome and the estimate. */
export async function persistStorage(
  storage: PersistableStorage = navigator.storage,
): Promise<StorageReport> {
  // persisted() first spares a prompt in browsers that show one.
  const persisted = (await storage.persisted()) || ((await storage.persist?.()) ?? false)
  const { usage, quota } = await storage.estimate()
  return { persisted, usageBytes: usage, quotaBytes: quota }
}
