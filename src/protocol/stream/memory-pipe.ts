import type { ByteStream } from './byte-stream'
import { ChunkQueue } from './chunk-queue'

const DEFAULT_HIGH_WATER_MARK_BYTES = 1024 * 1024

/** Two connected in-memory streams: what one writes, the other reads. For tests and in-process peers. */
export function createMemoryPipe(
  highWaterMarkBytes = DEFAULT_HIGH_WATER_MARK_BYTES,
): [ByteStream, ByteStream] {
  const aToB = new ChunkQueue(highWaterMarkBytes)
  const bToA = new ChunkQueue(highWaterMarkBytes)
  let settle: (err: Error | undefined) => void = () => {}
  const closed = new Promise<Error | undefined>((resolve) => (settle = resolve))
  let done = false
  const closeBoth = (err?: Error): void => {
    if (done) return
    done = true
    const reason = err ?? new Error('closed')
    aToB.fail(reason)
    bToA.fail(reason)
    settle(err)
  }
  const side = (incoming: ChunkQueue, outgoing: ChunkQueue): ByteStream => ({
    read: () => incoming.pull(),
    write: (chunk) => outgoing.push(chunk),
    end: async () => outgoing.end(),
    close: closeBoth,
    closed,
  })
  return [side(bToA, aToB), side(aToB, bToA)]
}
