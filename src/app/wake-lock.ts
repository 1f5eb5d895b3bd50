/**
 * Keeps the screen on while files transfer (a phone that sleeps stops the tab, and the sync with
 * it). The lock is released when the transfer ends; the browser drops it when the tab is hidden,
 * so it is asked for again when the tab comes back.
 */
export class TransferWakeLock {
  private sentinel: WakeLockSentinel | undefined
  private wanted = false

  constructor() {
    document.addEventListener('visibilitychange', () => void this.apply())
  }

  set(transferring: boolean): void {
    if (transferring === this.wanted) return
    this.wanted = transferring
    void this.apply()
  }

  private async apply(): Promise<void> {
    if (!('wakeLock' in navigator)) return
    if (this.wanted && !this.sentinel && document.visibilityState === 'visible') {
      try {
        this.sentinel = await navigator.wakeLock.request('screen')
        this.sentinel.addEventListener('release', () => (this.sentinel = undefined))
      } catch {
        // Refused (battery saver, no user activation yet): syncing goes on, the screen may sleep.
      }
    } else if (!this.wanted && this.sentinel) {
      const sentinel = this.sentinel
      this.sentinel = undefined
      await sentinel.release()
    }
  }
}
