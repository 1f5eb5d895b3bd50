/**
 * `clearskies bridge`: relays browser peers' connections to raw-TCP ClearSkies peers (bridge/).
 * Runs until SIGINT or SIGTERM.
 */
import { BridgeConfigError, bridgeUsage, parseBridgeConfig } from '../../../bridge/config'
import { startBridge } from '../../../bridge/bridge'
import { createLogger } from '../../../signaling/log'
import { CliError } from '../cli-error'

export async function run(args: string[]): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    console.log(bridgeUsage())
    return 0
  }
  let config
  try {
    config = parseBridgeConfig(args)
  } catch (err) {
    if (err instanceof BridgeConfigError) throw new CliError(`${err.message}\n\n${bridgeUsage()}`, 2)
    throw err
  }
  const log = createLogger(config.logLevel).child({ ns: 'bridge' })
  const bridge = await startBridge(config, log)
  log.info('bridge started', { signaling: config.signaling, inbound: bridge.inbound ?? 'none' })
  await new Promise<void>((resolve) => {
    const stop = (): void => {
      process.off('SIGINT', stop)
      process.off('SIGTERM', stop)
      void bridge.close().then(resolve)
    }
    process.on('SIGINT', stop)
    process.on('SIGTERM', stop)
  })
  return 0
}
