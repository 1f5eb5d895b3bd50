import { Slots } from '../stream/slots'

/**
 * Outgoing records in order, sealed concurrently. A WebCrypto call costs far more in waiting
 * (a hop to the crypto thread and back) than in computing, so one batch at a time leaves the CPU
 * idle; here up to `slots` batches are sealed at once. Each batch takes its sequence numbers when
 * its sealing begins, and batches begin in the order they were pushed, so the numbers follow the
 * wire order; their bytes reach the transport in that same order.
 */
export class SealPipeline {
  private lastBegun: Promise<void> = Promise.resolve()
  private lastWritten: Promise<void> = Promise.resolve()
  private readonly slots: Slots

  constructor(
    private readonly write: (bytes: Uint8Array) => Promise<void>,
    slots: number,
  ) {
    this.slots = new Slots(slots)
  }

  /**
   * Calls `seal` once every earlier one has been called and a slot is free; resolves when its
   * bytes (if any) have been written after every earlier batch's. A failure fails every later
   * batch too: nothing is written after a gap.
   */
  push(seal: () => Promise<Uint8Array | null>): Promise<void> {
    let begin: () => void = () => {}
    const begun = new Promise<void>((resolve) => (begin = resolve))
    const sealed = this.lastBegun.then(async () => {
      await this.slots.take()
      begin()
      try {
        return await seal()
      } finally {
        this.slots.release()
      }
    })
    this.lastBegun = begun
    const written = Promise.all([this.lastWritten, sealed]).then(([, bytes]) =>
      bytes ? this.write(bytes) : undefined,
    )
    this.lastWritten = written
    written.catch(() => {}) // the caller of push handles it; later batches inherit it
    return written
  }
}
