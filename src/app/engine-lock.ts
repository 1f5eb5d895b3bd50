/**
 * One tab at a time runs the engine. Every tab of the app shares one IndexedDB and one OPFS: two
 * engines would write the same records and files at once, register the same peer ID with the
 * tracker, and each refuse the other's open files. So a tab holds a Web Lock while its engine
 * runs, and another tab of the app waits for the person to choose ("use it here"). Taking over asks
 * the holder, over a BroadcastChannel, to close its engine and let go; a holder that does not answer
 * (a tab busy or frozen) has the lock taken from it after `HANDOVER_TIMEOUT_MS`.
 */

export const ENGINE_LOCK = 'clearskies-engine'
const HANDOVER = 'hand-over'
/** A holder closes its engine within a second; one that has not answered after this is not running. */
export const HANDOVER_TIMEOUT_MS = 5_000
/** How long a page loading waits for the page it replaced to let go of the lock. */
const LEFTOVER_MS = 1_000

export interface EngineLockOptions {
  /** The Web Lock's name; the handover channel is named after it. */
  readonly name?: string
  readonly handoverTimeoutMs?: number
}

export class EngineLock {
  private readonly name: string
  private readonly handoverTimeoutMs: number
  private readonly channel: BroadcastChannel
  private release: (() => void) | undefined
  private handingOver = false

  /**
   * `handOver` is called when another tab takes over: it closes this tab's engine, and the lock
   * goes once it has. `lost` is called if the lock was taken without asking (this tab had stopped
   * answering): the engine must stop at once.
   */
  constructor(
    private readonly handOver: () => Promise<void>,
    private readonly lost: () => void,
    options: EngineLockOptions = {},
  ) {
    this.name = options.name ?? ENGINE_LOCK
    this.handoverTimeoutMs = options.handoverTimeoutMs ?? HANDOVER_TIMEOUT_MS
    this.channel = new BroadcastChannel(`${this.name}-handover`)
    this.channel.onmessage = (event: MessageEvent<unknown>) => {
      if (event.data === HANDOVER) void this.onHandoverAsked()
    }
  }

  /**
   * Takes the lock if no other tab holds it; true if this tab now holds it. The page this one
   * replaced (on a reload) may hold it for a moment more: it is given `LEFTOVER_MS` to let go.
   * Without Web Locks (outside a secure context, where OPFS is missing too) there is nothing to
   * coordinate with.
   */
  async tryAcquire(): Promise<boolean> {
    if (!('locks' in navigator)) return true
    return (await this.acquire({ ifAvailable: true })) || this.acquireWithin(LEFTOVER_MS)
  }

  /** Asks the tab that holds the lock to hand it over, and resolves once this tab holds it. */
  async takeOver(): Promise<void> {
    if (await this.acquireWithin(this.handoverTimeoutMs, () => this.channel.postMessage(HANDOVER))) return
    await this.acquire({ steal: true })
  }

  get held(): boolean {
    return this.release !== undefined
  }

  /** Queues for the lock (`queued` runs once it is asked for); false if it did not come within `ms`. */
  private async acquireWithin(ms: number, queued?: () => void): Promise<boolean> {
    const waiting = new AbortController()
    const timer = setTimeout(() => waiting.abort(), ms)
    try {
      const granted = this.acquire({ signal: waiting.signal })
      queued?.()
      return await granted
    } catch (err) {
      if (waiting.signal.aborted) return false
      throw err
    } finally {
      clearTimeout(timer)
    }
  }

  private acquire(options: LockOptions): Promise<boolean> {
    return new Promise((resolve, reject) => {
      navigator.locks
        .request(this.name, options, (lock) => {
          if (!lock) return resolve(false)
          resolve(true)
          return new Promise<void>((release) => (this.release = release))
        })
        .catch((err: unknown) => {
          // A held lock that another tab stole ends its request with AbortError.
          if (this.release && err instanceof DOMException && err.name === 'AbortError') {
            this.release = undefined
            this.lost()
          } else reject(err)
        })
    })
  }

  private async onHandoverAsked(): Promise<void> {
    const release = this.release
    if (!release || this.handingOver) return
    this.handingOver = true
    try {
      await this.handOver()
    } finally {
      this.release = undefined
      this.handingOver = false
      release()
    }
  }
}
