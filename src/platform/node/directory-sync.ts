/**
 * Group commit for directory fsyncs. A rename is durable once its directory has been fsynced
 * after it; when many files land in one directory at once (a sync of small files places dozens
 * concurrently), each asking for its own fsync queues them one behind another. Here a request
 * joins the fsync of that directory that has not begun yet, if there is one: that fsync begins
 * after the request was made, so it covers the request's rename too. At most one fsync per
 * directory runs, and at most one waits behind it.
 */
export class DirectorySyncs {
  private readonly waiting = new Map<string, Promise<void>>()
  private readonly running = new Map<string, Promise<void>>()

  constructor(private readonly fsyncDirectory: (abs: string) => Promise<void>) {}

  /** Resolves once an fsync of `abs` that began after this call has finished. */
  sync(abs: string): Promise<void> {
    const waiting = this.waiting.get(abs)
    if (waiting) return waiting
    const before = this.running.get(abs) ?? Promise.resolve()
    const next = before.then(() => {
      // Begun: a later request needs a later fsync.
      this.waiting.delete(abs)
      const run = this.fsyncDirectory(abs)
      const settled = run.catch(() => undefined)
      this.running.set(abs, settled)
      return run.finally(() => {
        if (this.running.get(abs) === settled && !this.waiting.has(abs)) this.running.delete(abs)
      })
    })
    this.waiting.set(abs, next)
    return next
  }
}
