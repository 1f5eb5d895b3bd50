/** The real signaling server (tracker + the built app) on free ports of 127.0.0.1, for a test. */
import { fileURLToPath } from 'node:url'
import { parseSignalingConfig } from '../../signaling/config'
import { createLogger } from '../../signaling/log'
import { startSignalingServer, type SignalingServer } from '../../signaling/server'

export interface TestSignaling {
  readonly server: SignalingServer
  readonly url: string
  readonly tcpAddress: string
}

export async function startTestSignaling(): Promise<TestSignaling> {
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
    {},
  )
  const server = await startSignalingServer(config, createLogger('warn'))
  return { server, url: `http://127.0.0.1:${server.httpPort}`, tcpAddress: `127.0.0.1:${server.tcpPort}` }
}
