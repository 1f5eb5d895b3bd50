/** `clearskies resume`: sync again after `clearskies pause`. */
import { oneRequest } from '../daemon-client'

export const run = oneRequest(
  { name: 'resume', usage: '\n  sync again after `clearskies pause`', positionals: [0, 0] },
  () => ({ type: 'resume' }),
  () => 'Syncing again.',
)
