/**
 * The `upload_limit` and `download_limit` settings: one token bucket per direction, shared by every
 * peer connection, applied to the raw TCP bytes (TLS overhead included, as a network sees them).
 * A chunk larger than what the bucket holds is let through at once and paid for by waiting
 * afterwards, so no chunk is split and the average rate holds.
 */
import type { ByteStream } from '../src/protocol/stream/byte-stream'

/** How much may go at once after a pause: a quarter of a second at the full rate. */
const BURST_SECONDS = 0.25

export class RateLimit {
  private tokens = 0
  private lastMs: number

  /** `bytesPerSecond` 0 means no limit. */
  constructor(
    public bytesPerSecond: number,
    private readonly now: () => number = Date.now,
  ) {
    this.lastMs = now()
  }

  /** Resolves once `bytes` may pass. */
  take(bytes: number): Promise<void> {
    if (this.bytesPerSecond <= 0) return Promise.resolve()
    const now = this.now()
    const burst = this.bytesPerSecond * BURST_SECONDS
    this.tokens = Math.min(burst, this.tokens + ((now - this.lastMs) / 1000) * this.bytesPerSecond) - bytes
    this.lastMs = now
    if (this.tokens >= 0) return Promise.resolve()
    return new Promise((resolve) => setTimeout(resolve, (-this.tokens / this.bytesPerSecond) * 1000))
  }
}

export function throttled<T extends ByteStream>(stream: T, upload: RateLimit, download: RateLimit): T {
  return {
    ...stream,
    async read() {
      const chunk = await stream.read()
      if (chunk) await download.take(chunk.byteLength)
      return chunk
    },
    async write(chunk: Uint8Array) {
      await upload.take(chunk.byteLength)
      return stream.write(chunk)
    },
  }
}
