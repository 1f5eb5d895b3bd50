/**
 * `clearskies signaling`: the signaling and tracker server (signaling/). Runs until SIGINT or
 * SIGTERM, then shuts down gracefully: clients are told, registrations released, Redis closed.
 */
import { ConfigError, parseSignalingConfig, signalingUsage } from '../../../signaling/config'
import { createLogger } from '../../../signaling/log'
import { startSignalingServer } from '../../../signaling/server'
import { CliError } from '../cli-error'

export async function run(args: string[]): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    console.log(signalingUsage())
    return 0
  }
  let config
  try {
    config = parseSignalingConfig(args, process.env)
  } catch (err) {
    if (err instanceof ConfigError) throw new CliError(`${err.message}\n\n${signalingUsage()}`, 2)
    throw err
  }
  const log = createLogger(config['log-level'])
  let server
  try {
    server = await startSignalingServer(config, log)
  } catch (err) {
    throw new CliError(`signaling: cannot start: ${err instanceof Error ? err.message : String(err)}`)
  }
  await new Promise<void>((resolve) => {
    const stop = (signal: NodeJS.Signals): void => {
      log.info('signal received', { signal })
      process.off('SIGINT', stop)
      process.off('SIGTERM', stop)
      void server.close().then(resolve)
    }
    process.on('SIGINT', stop)
    process.on('SIGTERM', stop)
  })
  return 0
}
