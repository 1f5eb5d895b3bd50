/**
 * The worker host's record of picked folders (folder-handles.ts): a share's folder is only ever the
 * one picked for it. A create or join under a name already in use must not repoint the existing
 * share (after a reload it would open on the other folder and see every file of its own as gone),
 * and one that fails must leave no folder behind for a later share of that name. Nor may a picked
 * folder be, hold or lie inside another share's.
 */
import { describe, expect, it } from 'vitest'
import { EngineError } from '../../src/engine/engine'
import { EngineHost } from '../../src/platform/browser/engine-host'
import { FolderHandles } from '../../src/platform/browser/folder-handles'
import { freshOpfsFolder } from './opfs'

let counter = 0

/** As much of the engine as these commands use, keeping its rules for names already in use. */
function fakeEngine() {
  const shares = new Map<string, { location: string }>()
  const joins = new Map<string, { location: string; accessId: string; createdAtMs: number }>()
  return {
    on: () => undefined,
    isPaused: false,
    get shareList() {
      return [...shares.values()].map((s) => ({ stored: s, status: () => ({ location: s.location }) }))
    },
    get pendingJoins() {
      return [...joins.values()]
    },
    accessCodes: [],
    joinFailure: () => undefined,
    async createShare(location: string) {
      if (!shares.has(location)) shares.set(location, { location })
      return shares.get(location)
    },
    async addShare(code: string, location: string) {
      if (shares.has(location) || [...joins.values()].some((j) => j.location === location))
        throw new EngineError('EEXIST', `${location} already holds a share`)
      if (code === 'made here') throw new EngineError('EINVAL', 'that access code was made on this device')
      joins.set(code, { location, accessId: code, createdAtMs: 0 })
    },
  }
}

async function setup() {
  const folders = await FolderHandles.open(`clearskies-folders-test-${Date.now()}-${counter++}`)
  const Host = EngineHost as unknown as new (
    engine: unknown,
    folders: FolderHandles,
    options: unknown,
  ) => EngineHost
  const host = new Host(fakeEngine(), folders, { appUrl: 'https://example.test/' })
  const first = (await freshOpfsFolder('picked')).dir
  const second = (await freshOpfsFolder('picked')).dir
  return { host, folders, first, second }
}

describe('EngineHost and picked folders', () => {
  it('does not move an existing share to another folder when a share of that name is created again', async () => {
    const { host, first, second } = await setup()
    await host.createShare('Photos', first)
    await expect(host.createShare('Photos', second)).rejects.toThrow(/already/)
    expect(await (await host.folder('Photos'))?.isSameEntry(first)).toBe(true)
  })

  it('does not move an existing share to another folder when a share of that name is joined', async () => {
    const { host, first, second } = await setup()
    await host.createShare('Photos', first)
    await expect(host.addShare('code', 'Photos', second)).rejects.toThrow(/already/)
    expect(await (await host.folder('Photos'))?.isSameEntry(first)).toBe(true)
  })

  it('does not move a pending join to another folder when a share of its name is created', async () => {
    const { host, first, second } = await setup()
    await host.addShare('code', 'Photos', first)
    await expect(host.createShare('Photos', second)).rejects.toThrow(/already/)
    expect(await (await host.folder('Photos'))?.isSameEntry(first)).toBe(true)
  })

  it('refuses a folder that is, holds or lies inside the folder picked for another share, naming it', async () => {
    const { host, first, second } = await setup()
    await host.createShare('Photos', first)
    const inner = await first.getDirectoryHandle('2024', { create: true })
    await expect(host.createShare('Vacation', inner)).rejects.toThrow(
      "The folder picked for 'Vacation' is inside the share 'Photos'; share that folder instead, or remove that share first",
    )
    await expect(host.addShare('code', 'Incoming', first)).rejects.toThrow(
      /^The folder picked for 'Incoming' is the folder of the share 'Photos'; join into a folder outside it/,
    )
    const held = await second.getDirectoryHandle('held', { create: true })
    await host.createShare('Held', held)
    await expect(host.createShare('Outer', second)).rejects.toThrow(
      /^The folder picked for 'Outer' contains the share 'Held'; remove that share first/,
    )
    expect(await host.folder('Vacation')).toBeUndefined()
    expect(await host.folder('Outer')).toBeUndefined()
    await host.createShare('Sibling', await second.getDirectoryHandle('held2', { create: true }))
    expect(await host.folder('Sibling')).toBeDefined()
  })

  it('keeps no folder for a join that failed, so a later share of that name is not put in it', async () => {
    const { host, first } = await setup()
    await expect(host.addShare('made here', 'Photos', first)).rejects.toThrow(/made on this device/)
    await host.createShare('Photos')
    expect(await host.folder('Photos')).toBeUndefined()
  })
})
