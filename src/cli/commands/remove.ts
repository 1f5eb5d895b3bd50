/** `clearskies remove PATH`: stop syncing a share here; its files stay where they are. */
import { resolve } from 'node:path'
import { oneRequest } from '../daemon-client'

export const run = oneRequest(
  {
    name: 'remove',
    usage: 'PATH\n  stop syncing the share at PATH (or stop joining it); its files stay',
    positionals: [1, 1],
  },
  (parsed) => ({ type: 'remove_share', path: resolve(parsed.positionals[0] as string) }),
  (parsed) => `Removed the share at ${resolve(parsed.positionals[0] as string)}; its files are still there.`,
)
