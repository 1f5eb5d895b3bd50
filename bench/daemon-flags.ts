/**
 * Benchmarks of what the daemon runs measure it as the daemon runs: with its Node flags
 * (daemon/node-flags.ts). A benchmark started without them runs itself again with them.
 */
import { spawnSync } from 'node:child_process'
import { DAEMON_NODE_FLAGS } from '../daemon/node-flags'

export function runWithDaemonFlags(): void {
  if (DAEMON_NODE_FLAGS.every((f) => process.execArgv.includes(f))) return
  const again = spawnSync(
    process.execPath,
    [...DAEMON_NODE_FLAGS, ...process.execArgv, ...process.argv.slice(1)],
    { stdio: 'inherit' },
  )
  process.exit(again.status ?? 1)
}
