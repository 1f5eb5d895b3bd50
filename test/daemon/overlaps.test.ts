/**
 * Shares that overlap: those stored before nesting was refused are shown where a person looks
 * (list_shares, status, `clearskies list` and `status`), and two overlapping additions made at once
 * through the control socket leave nothing behind for the one refused.
 */
import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, expect, it } from 'vitest'
import { Engine, type EnginePlatform } from '../../src/engine/engine'
import { generateAccessCode } from '../../src/protocol/access'
import { nodeEnginePlatform } from '../../src/platform/node/engine-platform'
import { converse, exists, makeDaemon, stopAll } from './daemons'

afterAll(stopAll)

/** Registers shares and joins in a stopped daemon's state as an engine without the nesting check did. */
async function registerUnchecked(
  state: string,
  shares: readonly string[],
  joins: readonly string[],
): Promise<void> {
  const platform = nodeEnginePlatform({ stateDir: state })
  const unchecked: EnginePlatform = { ...platform, realLocation: undefined }
  const older = await Engine.open(unchecked)
  for (const location of shares) await older.createShare(location)
  for (const location of joins) await older.addShare(generateAccessCode().text, location)
  await older.close()
  platform.close()
}

it(
  'names shares stored overlapping in list_shares, status and the CLI, until one is removed',
  { timeout: 60_000 },
  async () => {
    const daemon = await makeDaemon('overlapping')
    await daemon.stop()
    const photos = join(daemon.root, 'Photos')
    const year = join(photos, '2024')
    const incoming = join(photos, 'incoming')
    await mkdir(year, { recursive: true })
    await mkdir(incoming)
    await registerUnchecked(daemon.state, [photos, year, daemon.folder], [incoming])
    await daemon.start()

    const remedy = 'remove one of the two shares (its files stay where they are)'
    const inside = (inner: string): string =>
      `the share '${inner}' is inside the share '${photos}', so the files in it sync under both; ${remedy}`
    const [, list, status] = (await converse(
      join(daemon.state, 'control'),
      [JSON.stringify({ type: 'list_shares' }), JSON.stringify({ type: 'status' })],
      3,
    )) as [unknown, { shares: Record<string, Record<string, unknown>> }, Record<string, unknown>]
    expect(list.shares[photos]?.overlaps).toEqual([inside(year), inside(incoming)])
    expect(list.shares[year]?.overlaps).toEqual([inside(year)])
    expect(list.shares[incoming]).toMatchObject({ state: 'joining', overlaps: [inside(incoming)] })
    expect(list.shares[daemon.folder]).not.toHaveProperty('overlaps')
    expect(status.overlaps).toEqual([inside(year), inside(incoming)])

    const listed = await daemon.cli('list')
    expect(listed.stdout).toContain(`\n\nwarning: ${inside(year)}\nwarning: ${inside(incoming)}\n`)
    const described = await daemon.cli('status')
    expect(described.stdout).toContain(`\nwarning:   ${inside(year)}\nwarning:   ${inside(incoming)}\n`)

    expect((await daemon.cli('remove', year)).code).toBe(0)
    expect(await daemon.json('status')).toMatchObject({ overlaps: [inside(incoming)] })
    expect((await daemon.cli('remove', incoming)).code).toBe(0)
    const { shares } = (await daemon.json('list')) as { shares: Record<string, object> }
    expect(shares[photos]).not.toHaveProperty('overlaps')
    expect(await daemon.json('status')).not.toHaveProperty('overlaps')
    expect((await daemon.cli('list')).stdout).not.toContain('warning')
  },
)

it(
  'of two overlapping add_share made at once, the refused one leaves no folder behind',
  { timeout: 60_000 },
  async () => {
    const daemon = await makeDaemon('racing')
    const socket = join(daemon.state, 'control')
    const add = (path: string): string =>
      JSON.stringify({ type: 'add_share', code: generateAccessCode().text, path })
    // Each pair on two connections (one connection's commands are answered one after another);
    // the outer folder's request goes first, so it is usually the one the daemon takes.
    let outerTaken = 0
    for (let i = 0; i < 4; i++) {
      const outer = join(daemon.root, `joined-${i}`)
      const inner = join(outer, 'inner')
      const [[, outerAnswer], [, innerAnswer]] = await Promise.all([
        converse(socket, [add(outer)], 2),
        converse(socket, [add(inner)], 2),
      ])
      const answers = [outerAnswer, innerAnswer]
      expect(
        answers.filter((a) => JSON.stringify(a) === '{}'),
        JSON.stringify(answers),
      ).toHaveLength(1)
      expect(answers.find((a) => JSON.stringify(a) !== '{}')).toMatchObject({ error: 'EEXIST' })
      if (JSON.stringify(outerAnswer) === '{}') {
        outerTaken++
        expect(await exists(inner), `${inner}, refused: ${JSON.stringify(innerAnswer)}`).toBe(false)
      }
    }
    // Without a pair where the outer folder was taken, the test would have checked nothing.
    expect(outerTaken).toBeGreaterThan(0)
  },
)
