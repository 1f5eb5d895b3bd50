/**
 * `npm start` runs the signaling server and the bridge side by side, and the bridge may try to
 * connect before the server listens: that is waiting, not a lost connection. Real server, real
 * bridge, on 127.0.0.1.
 */
import { createServer } from 'node:net'
import { afterEach, expect, it } from 'vitest'
import { startBridge } from '../../bridge/bridge'
import { parseBridgeConfig } from '../../bridge/config'
import { parseSignalingConfig } from '../../signaling/config'
import { createLogger } from '../../signaling/log'
import { startSignalingServer } from '../../signaling/server'

const TOKEN = 'beef'.repeat(16)
const closers: Array<() => Promise<unknown>> = []
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close()
})

/** A port nothing listens on now. */
async function freePort(): Promise<number> {
  const probe = createServer()
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve))
  const address = probe.address()
  await new Promise((resolve) => probe.close(resolve))
  return typeof address === 'object' && address ? address.port : 0
}

it('waits for a signaling server that is not listening yet, then registers, without a warning', async () => {
  const port = await freePort()
  const lines: string[] = []
  const bridge = await startBridge(
    parseBridgeConfig(['--signaling', `http://127.0.0.1:${port}`], { CLEARSKIES_BRIDGE_TOKEN: TOKEN }),
    createLogger('info', (line) => void lines.push(line)),
  )
  closers.push(() => bridge.close())
  await expect
    .poll(() => lines.some((l) => l.includes('"msg":"waiting for the signaling server"')))
    .toBe(true)
  const server = await startSignalingServer(
    parseSignalingConfig(['--host', '127.0.0.1', '--port', String(port), '--tcp-port', '0'], {
      CLEARSKIES_BRIDGE_TOKEN: TOKEN,
    }),
    createLogger('info', () => {}),
  )
  closers.push(() => server.close())
  await expect
    .poll(() => lines.some((l) => l.includes('"msg":"registered with the signaling server"')), {
      timeout: 5_000,
    })
    .toBe(true)
  expect(lines.filter((l) => l.includes('"level":"warn"'))).toEqual([])
})
