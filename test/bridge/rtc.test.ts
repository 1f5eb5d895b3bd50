/**
 * The bridge's WebRTC answerer takes signals from any browser through the tracker: a malformed one
 * ends that browser's attempt, and is never thrown back into the bridge's tracker connection (whose
 * event handler calls it, and which a throw there closes). Needs WebRTC: run inside
 * scripts/netns-run.sh.
 */
import { describe, expect, it } from 'vitest'
import { RtcPeer } from '../../bridge/rtc'
import type { JsonObject } from '../../src/protocol/wire/json-value'

const bindAddress = process.env.CLEARSKIES_NETNS_ADDR

function offer(): Promise<{ offer: JsonObject; close: () => void }> {
  return new Promise((resolve) => {
    let sent = false
    const initiator: RtcPeer = new RtcPeer({
      initiator: true,
      ...(bindAddress ? { bindAddress } : {}),
      sendSignal: (signal) => {
        if (signal.type !== 'offer' || sent) return
        sent = true
        resolve({ offer: signal, close: () => initiator.close('done') })
      },
      onClose: () => {},
    })
  })
}

describe('the bridge answering a browser', () => {
  it.each([
    ['a candidate that is a bare string', { candidate: 'x' }],
    ['a candidate without sdpMid or sdpMLineIndex', { candidate: { candidate: '' } }],
  ])('closes the attempt on %s, without throwing', async (_name, bad) => {
    const { offer: sdp, close } = await offer()
    const reasons: string[] = []
    const answerer = new RtcPeer({
      ...(bindAddress ? { bindAddress } : {}),
      sendSignal: () => {},
      onClose: (reason) => reasons.push(reason),
    })
    answerer.signal(sdp)
    await new Promise((resolve) => setTimeout(resolve, 200))
    expect(() => answerer.signal(bad)).not.toThrow()
    expect(reasons).toEqual([expect.stringMatching(/bad signal: .*sdpMid/)])
    close()
  })
})
