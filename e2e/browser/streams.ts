import { concatBytes } from '../../src/protocol/wire/bytes'
import type { ByteStream } from '../../src/protocol/stream/byte-stream'

/** Everything until the other side ends. */
export async function readAll(stream: ByteStream): Promise<Uint8Array> {
  const parts: Uint8Array[] = []
  for (let chunk = await stream.read(); chunk !== null; chunk = await stream.read()) parts.push(chunk)
  return concatBytes(parts)
}

/** Not `toEqual`: its element-wise walk over megabytes takes most of a minute in the browser. */
export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.byteLength === b.byteLength && a.every((byte, i) => byte === b[i])
}
