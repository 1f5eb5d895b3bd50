/**
 * Runs in a dedicated worker: takes an RTCDataChannel the page transferred at creation (as the
 * app hands its links to the engine worker), wraps it with `channelStream` and echoes every byte
 * back, then ends; reports how the stream closed.
 */
import { channelStream } from '../../src/platform/browser/channel-stream'

onmessage = async (event: MessageEvent<RTCDataChannel>) => {
  const stream = channelStream(event.data)
  let echoed = 0
  try {
    for (let chunk = await stream.read(); chunk !== null; chunk = await stream.read()) {
      echoed += chunk.byteLength
      await stream.write(chunk)
    }
    await stream.end()
    const err = await stream.closed
    postMessage({ echoed, closed: err ? err.message : 'cleanly' })
  } catch (err) {
    postMessage({ echoed, closed: `failed: ${(err as Error).message}` })
  }
}
