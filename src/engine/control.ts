/**
 * control.md's commands carried out on an Engine: the handler behind the daemon's control socket.
 * The browser worker's host (src/platform/browser/engine-host.ts) offers the same commands as
 * methods, and keeps the pause the same way (`restorePause`, `setPaused`). What only the host
 * knows (whether a tracker is connected, which addresses discovery found, how to stop the
 * process) comes through `ControlHost`.
 * Answers use control.md's names where it has them (`status`, `list_shares`, `access_code`,
 * `config`, `value`); everything else is snake_case like them.
 */
import { parseAccessCode } from '../protocol/access'
import type { AccessLevel } from '../protocol/core/messages'
import { ControlCommandError, EXT, type ControlCommand } from '../protocol/control/commands'
import { Serial } from '../protocol/stream/serial'
import type { ControlHandler } from '../protocol/control/session'
import { tcpAddressText } from '../protocol/tracker/addresses'
import { AlertDescription } from '../protocol/tls'
import type { JsonObject, JsonValue } from '../protocol/wire/json-value'
import { checkConfigKey, ConfigStore, type ConfigKey } from './control-config'
import type { Engine } from './engine'
import type { KeyValueStore } from './kv-store'
import type { LiveShare } from './live-share'

/** Whether syncing was paused, kept so a restart stays paused. */
const PAUSED_KEY = 'paused'

export interface ControlHost {
  /** control.md "stop": shut down once the answer has gone out. */
  stop(): void
  /** Whether the tracker connection is up ("tracking" in status). */
  tracking(): boolean
  /** What the host adds to status: where peers reach us, its process… (keys beyond control.md's). */
  describe(): JsonObject
  /** Addresses discovery learned for a registered ID (tracker, LAN). */
  discovered(id: string): readonly string[]
  /** Settings that changed; a host applies what it can now, the rest at its next start. */
  configChanged(keys: readonly ConfigKey[]): void
  /**
   * Checks a location before a share is created or joined there (a folder exists, say); for a join
   * it may make the folder. The answer undoes that if the engine then refuses the share: it removes
   * what the check made, only while it is empty.
   */
  checkLocation(location: string, purpose: 'create' | 'join'): Promise<() => Promise<void>>
}

export interface ControlContext {
  readonly engine: Engine
  readonly kv: KeyValueStore
  readonly config: ConfigStore
  readonly host: ControlHost
}

/** Restores the pause across restarts; call once after opening the engine. */
export async function restorePause(engine: Engine, kv: KeyValueStore): Promise<void> {
  if ((await kv.get(PAUSED_KEY)) === true) engine.pause()
}

/** Pauses or resumes every share, and keeps it so across restarts (`restorePause`). */
export async function setPaused(engine: Engine, kv: KeyValueStore, paused: boolean): Promise<void> {
  if (paused) engine.pause()
  else engine.resume()
  await kv.set(PAUSED_KEY, paused)
}

export function createControlHandler(context: ControlContext): ControlHandler {
  const { engine, kv, config, host } = context
  const everyShare = (path: string | undefined): void => {
    if (path !== undefined)
      throw new ControlCommandError(
        'EINVAL',
        'pausing one share is not supported yet: pause and resume act on every share',
      )
  }
  // Additions one after another, from the overlap check to the engine's registration: add_share
  // makes its folder before the engine registers it, so of two overlapping additions at once the
  // one the engine refuses would leave that folder behind, inside the other share.
  const additions = new Serial()
  return async (command: ControlCommand): Promise<JsonObject> => {
    switch (command.type) {
      case 'status':
        return status(engine, host)
      case 'pause':
        everyShare(command.path)
        await setPaused(engine, kv, true)
        return {}
      case 'resume':
        everyShare(command.path)
        await setPaused(engine, kv, false)
        return {}
      case 'stop':
        host.stop()
        return {}
      case 'create_share':
        await additions.run(async () => {
          await host.checkLocation(command.path, 'create')
          await engine.createShare(command.path)
        })
        return {}
      case 'list_shares':
        return { shares: listShares(engine) }
      case 'add_share':
        parseAccessCode(command.code) // a mistyped code is refused before anything is stored
        await additions.run(async () => {
          // Before the host makes the folder: made inside another share, it would sync there.
          await engine.checkOverlap(command.path, 'join')
          const unmake = await host.checkLocation(command.path, 'join')
          // Refused now (a code made on this device, say), the join must leave no folder behind.
          await engine.addShare(command.code, command.path, command.peers).catch(async (err: unknown) => {
            await unmake()
            throw err
          })
        })
        return {}
      case 'remove_share':
        await engine.removeShare(command.path)
        return {}
      case 'create_access_code':
        return createAccessCode(engine, command)
      case 'get_config':
        return { config: { ...(await config.read()) } }
      case 'set_config':
        return setConfig(context, command.config)
      case 'get_config_value':
        return { value: (await config.read())[checkConfigKey(command.key)] }
      case 'set_config_value':
        await changed(context, await config.write({ [checkConfigKey(command.key)]: command.value }))
        return {}
      case `${EXT}.list_peers`:
        return { shares: listPeers(engine, host, command.path) }
      case `${EXT}.add_peer`:
        await engine.addPeerAddress(command.path, tcpAddressText(command.address))
        return {}
      case `${EXT}.cancel_access_code`:
        return grantJson(await engine.cancelAccessCode(command.code))
      case `${EXT}.extend_access_code`: {
        const expires = command.expiresInS === undefined ? undefined : Date.now() + command.expiresInS * 1000
        return grantJson(await engine.extendAccessCode(command.code, expires))
      }
    }
  }
}

function status(engine: Engine, host: ControlHost): JsonObject {
  let uploadRate = 0
  let downloadRate = 0
  for (const share of engine.shareList) {
    const progress = share.status().progress
    uploadRate += progress.uploadRate
    downloadRate += progress.downloadRate
  }
  return {
    paused: engine.isPaused,
    tracking: host.tracking(),
    // No NAT traversal (STUN, uTP) here: direct TCP and the browser's WebRTC only.
    nat_punctured: false,
    upload_rate: Math.round(uploadRate),
    download_rate: Math.round(downloadRate),
    shares: engine.shareList.length + engine.pendingJoins.length,
    ...overlapsField(engine.overlappingShares.map((o) => o.message)),
    ...host.describe(),
  }
}

/** `overlaps` only where there are some: an answer without them reads as before (control.md). */
function overlapsField(messages: readonly string[] | undefined): JsonObject {
  return messages && messages.length > 0 ? { overlaps: [...messages] } : {}
}

/** The messages of the overlaps each share is in, by location: both shares of an overlap name it. */
function overlapsByShare(engine: Engine): Map<string, string[]> {
  const byShare = new Map<string, string[]>()
  for (const { outer, inner, message } of engine.overlappingShares) {
    for (const at of [outer, inner]) byShare.set(at, [...(byShare.get(at) ?? []), message])
  }
  return byShare
}

function listShares(engine: Engine): JsonObject {
  const overlaps = overlapsByShare(engine)
  const shares: JsonObject = {}
  for (const share of engine.shareList) {
    const s = share.status()
    shares[s.location] = {
      files: s.progress.files,
      synced: s.state === 'synced',
      state: s.state,
      access_level: s.accessLevel,
      peers: s.peers,
      files_remaining: s.progress.filesRemaining,
      bytes_remaining: s.progress.bytesRemaining,
      upload_rate: Math.round(s.progress.uploadRate),
      download_rate: Math.round(s.progress.downloadRate),
      ...(s.error ? { error: s.error } : {}),
      ...overlapsField(overlaps.get(s.location)),
    }
  }
  for (const join of engine.pendingJoins) {
    const failure = engine.joinFailure(join.accessId)
    shares[join.location] = {
      files: 0,
      synced: false,
      state: 'joining',
      peers: 0,
      ...(failure ? { join_error: joinError(failure.address, failure.reason, failure.alert) } : {}),
      ...overlapsField(overlaps.get(join.location)),
    }
  }
  return shares
}

/**
 * Why joining has not worked yet. SRP reveals nothing about why a code was refused (DESIGN.md:
 * "Wrong credentials fail the handshake with an alert ... and reveal nothing"), so any alert but
 * access_denied (rate limiting) means: used, expired, cancelled or never made there.
 */
function joinError(address: string, reason: string, alert: number | undefined): JsonObject {
  const kind =
    alert === undefined
      ? 'unreachable'
      : alert === AlertDescription.access_denied
        ? 'rate_limited'
        : 'refused'
  return { kind, address, reason }
}

async function createAccessCode(
  engine: Engine,
  command: Extract<ControlCommand, { type: 'create_access_code' }>,
): Promise<JsonObject> {
  if (!command.multiUse && command.expiresInS !== undefined) {
    throw new ControlCommandError(
      'EINVAL',
      'a one-time code lasts 24 hours; an expiry applies to multi-use codes',
    )
  }
  const expiresAtMs = command.expiresInS === undefined ? undefined : Date.now() + command.expiresInS * 1000
  const created = await engine.createAccessCode(command.path, command.mode as AccessLevel, {
    multiUse: command.multiUse,
    ...(expiresAtMs === undefined ? {} : { expiresAtMs }),
  })
  return { access_code: created.code, access_id: created.accessId, ...grantJson(created.grant) }
}

function grantJson(grant: {
  mode: string
  accessLevel: string
  expiresAtMs: number | null
  uses: number
}): JsonObject {
  return {
    mode: grant.accessLevel,
    multi_use: grant.mode === 'multi_use',
    expires_at: grant.expiresAtMs === null ? null : new Date(grant.expiresAtMs).toISOString(),
    uses: grant.uses,
  }
}

/** control.md's set_config: known keys are validated and stored; unknown ones (use_dht…) are reported, not stored. */
async function setConfig(context: ControlContext, values: JsonObject): Promise<JsonObject> {
  const known: JsonObject = {}
  const ignored: JsonValue[] = []
  for (const [key, value] of Object.entries(values)) {
    if (!Object.hasOwn(context.config.defaults, key)) ignored.push(key)
    else known[key] = value
  }
  await changed(context, await context.config.write(known))
  return ignored.length > 0 ? { ignored } : {}
}

/** The rate limits apply at once, here; the host hears of every change for what only it can apply. */
async function changed({ engine, config, host }: ControlContext, keys: readonly ConfigKey[]): Promise<void> {
  if (keys.includes('upload_limit') || keys.includes('download_limit')) {
    const current = await config.read()
    engine.setRateLimits({ upload: current.upload_limit, download: current.download_limit })
  }
  host.configChanged(keys)
}

function listPeers(engine: Engine, host: ControlHost, path: string | undefined): JsonObject {
  const shares: JsonObject = {}
  const chosen: LiveShare[] = path === undefined ? engine.shareList : [engine.share(path)]
  for (const share of chosen) {
    const connected: JsonObject[] = []
    for (const [link, { sender, openedAt }] of share.connections.links) {
      connected.push({
        peer_id: sender.remote.peerId,
        ...(sender.remote.name ? { name: sender.remote.name } : {}),
        software: sender.remote.software,
        access_level: sender.access,
        link,
        connected_since: new Date(openedAt).toISOString(),
      })
    }
    const key = share.key(share.stored.accessLevel)
    const addresses = new Set([...share.stored.peers, ...(key?.id ? host.discovered(key.id) : [])])
    shares[share.stored.location] = { connected, addresses: [...addresses] }
  }
  return shares
}
