/**
 * The one thing the gzip extension needs from the platform: zlib-format (RFC 1950) deflate and a
 * bounded inflate. Node implements it with node:zlib (src/platform/node/zlib-codec.ts), browsers
 * with CompressionStream('deflate') (src/platform/browser/zlib-codec.ts).
 */
export interface ZlibCodec {
  deflate(data: Uint8Array): Promise<Uint8Array>
  /** Rejects rather than produce more than `maxOutputBytes`: a few KiB can inflate to gigabytes. */
  inflate(data: Uint8Array, maxOutputBytes: number): Promise<Uint8Array>
}

/**
 * What the gzip framing compresses with: a ZlibCodec, or one whose output may come in parts that
 * refer to the data written (stored frames, src/engine/adaptive-zlib.ts): the caller must leave
 * that data as it is.
 */
export interface GzipCodec extends Omit<ZlibCodec, 'deflate'> {
  deflate(data: Uint8Array): Promise<Uint8Array | readonly Uint8Array[]>
  /**
   * Told once the frame of the last `deflate` has gone down: how long it took from the start of
   * that call to the stream below taking the frame (what the frame cost the writer, compressing
   * and waiting for the link alike). A codec may judge from it whether deflating pays.
   */
  sent?(elapsedMs: number): void
}
