/** `clearskies pause`: stop syncing every share (kept across restarts) until `clearskies resume`. */
import { oneRequest } from '../daemon-client'

export const run = oneRequest(
  { name: 'pause', usage: '\n  stop syncing every share until `clearskies resume`', positionals: [0, 0] },
  () => ({ type: 'pause' }),
  () => 'Paused: no connections until `clearskies resume`.',
)
