/**
 * A fixed number of slots for work that must not all run at once. `take` resolves at once while
 * one is free, otherwise when one is released; waiters get slots in the order they asked.
 */
export class Slots {
  private readonly waiting: Array<() => void> = []

  constructor(private free: number) {}

  take(): Promise<void> | void {
    if (this.free > 0) {
      this.free--
      return
    }
    return new Promise((resolve) => this.waiting.push(resolve))
  }

  release(): void {
    const next = this.waiting.shift()
    if (next) next()
    else this.free++
  }
}
