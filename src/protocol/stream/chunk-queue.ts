import { StreamClosedError } from './byte-stream'

/**
 * A bounded queue of byte chunks between a producer that pushes and a consumer that pulls.
 * `push` resolves only when the queued bytes drop below the high-water mark, which is how every
 * adapter (data channel, socket, memory pipe) propagates back-pressure to the writer.
 */
export class ChunkQueue {
  private readonly chunks: Uint8Array[] = []
  private queuedBytes = 0
  private ended = false
  private failure: Error | undefined
  private readonly readers: Array<{ resolve: (c: Uint8Array | null) => void; reject: (e: Error) => void }> =
    []
  private readonly writers: Array<{ resolve: () => void; reject: (e: Error) => void }> = []

  constructor(private readonly highWaterMarkBytes: number) {}

  get bufferedBytes(): number {
    return this.queuedBytes
  }

  push(chunk: Uint8Array): Promise<void> {
    if (this.failure) return Promise.reject(new StreamClosedError(this.failure))
    if (this.ended) return Promise.reject(new StreamClosedError())
    if (chunk.byteLength === 0) return Promise.resolve()
    const reader = this.readers.shift()
    if (reader) {
      reader.resolve(chunk)
      return Promise.resolve()
    }
    this.chunks.push(chunk)
    this.queuedBytes += chunk.byteLength
    if (this.queuedBytes < this.highWaterMarkBytes) return Promise.resolve()
    return new Promise((resolve, reject) => this.writers.push({ resolve, reject }))
  }

  pull(): Promise<Uint8Array | null> {
    const chunk = this.chunks.shift()
    if (chunk) {
      this.queuedBytes -= chunk.byteLength
      if (this.queuedBytes < this.highWaterMarkBytes) this.releaseWriters()
      return Promise.resolve(chunk)
    }
    if (this.failure) return Promise.reject(new StreamClosedError(this.failure))
    if (this.ended) return Promise.resolve(null)
    return new Promise((resolve, reject) => this.readers.push({ resolve, reject }))
  }

  /** No more chunks will come; queued ones are still delivered. */
  end(): void {
    if (this.ended) return
    this.ended = true
    for (const r of this.readers.splice(0)) r.resolve(null)
  }

  /** Drops everything and fails every waiting reader and writer. */
  fail(err: Error): void {
    if (this.failure) return
    this.failure = err
    this.chunks.length = 0
    this.queuedBytes = 0
    for (const r of this.readers.splice(0)) r.reject(new StreamClosedError(err))
    for (const w of this.writers.splice(0)) w.reject(new StreamClosedError(err))
  }

  private releaseWriters(): void {
    for (const w of this.writers.splice(0)) w.resolve()
  }
}
