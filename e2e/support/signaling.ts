/** The real signaling server (tracker + the built app) on free ports of 127.0.0.1, for a test. */
import { randomBytes } from 'node:crypto'
import { fileURLToPath } from 'node:url'
import { parseSignalingConfig } from '../../signaling/config'
import { createLogger } from '../../signaling/log'
import { startSignalingServer, type SignalingServer } from '../../signaling/server'

export interface TestSignaling {
  readonly server: SignalingServer
  readonly url: string
  readonly tcpAddress: string
  /** What a bridge beside it must present (as $CLEARSKIES_BRIDGE_TOKEN) to be listed to browsers. */
  readonly bridgeToken: string
}

export async function startTestSignaling(): Promise<TestSignaling> {
  const bridgeToken = randomBytes(32).toString('hex')
  const config = parseSignalingConfig(
    [
      '--host',
      '127.0.0.1',
      '--port',
      '0',
      '--tcp-port',
      '0',
      '--static',
      fileURLToPath(new URL('../../dist', import.meta.url)),
    ],
    { CLEARSKIES_BRIDGE_TOKEN: bridgeToken },
  )
  const server = await startSignalingServer(config, createLogger('warn'))
  return {
    server,
    url: `http://127.0.0.1:${server.httpPort}`,
    tcpAddress: `127.0.0.1:${server.tcpPort}`,
    bridgeToken,
  }
}
