/** Opening a share (src/engine/live-share.ts `LiveShare.open`) that cannot open. */
import { describe, expect, it } from 'vitest'
import { LiveShare, type SharePlatform, type ShareStorage } from '../../src/engine/live-share'
import type { StoredShare } from '../../src/engine/stored'
import { createNodeHasher } from '../../src/platform/node/node-hasher'

describe('LiveShare.open', () => {
  it('closes the share’s storage when the share cannot open', async () => {
    let closed = 0
    // Never read: the share fails before it uses its stores.
    const unused = {} as ShareStorage
    const platform: SharePlatform = {
      openShareStorage: async () => ({ ...unused, close: async () => void closed++ }),
      createHasher: createNodeHasher,
      randomBytes: (n) => new Uint8Array(n),
      now: () => 0,
    }
    // A share whose keys hold no read-write public key cannot check updates, so does not open.
    const stored: StoredShare = {
      location: '/nowhere',
      storageId: 's1',
      peerId: '00'.repeat(16),
      accessLevel: 'read_only',
      keys: [],
      peers: [],
      createdAtMs: 0,
    }
    await expect(
      LiveShare.open(
        stored,
        platform,
        () => undefined,
        () => undefined,
      ),
    ).rejects.toThrow(/no read-write public key/)
    expect(closed).toBe(1)
  })
})
