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
   * Told once each frame deflate made has gone down: its bytes on the wire, and how long the
   * stream below took to take them (near 0 when it took them at once, longer when the link was
   * full). A codec may judge from it whether deflating pays on this link.
   */
  sent?(wireBytes: number, waitedMs: number): void
}
