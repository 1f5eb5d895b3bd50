/**
 * The exchange shared by several instances through Redis. Registrations under an ID are one hash,
 * `clearskies:tracker:id:<id>`, peer ID to `{"o": owner, "a": addresses, "e": expiry ms}`; the
 * hash itself expires after the longest registration, so abandoned IDs vanish. News about an ID
 * goes out on the channel `clearskies:tracker:ch:<id>`, which every instance with a member under
 * the ID subscribes to. Ownership checks run inside Redis (Lua), so a slow instance cannot
 * delete or refresh a registration another connection has since taken over.
 *
 * Redis 7.0 (Debian's) has no per-field expiry, hence the expiry inside the value: readers skip
 * and delete stale fields, which only a crashed instance leaves behind.
 */
import { createClient, type RedisClientType } from 'redis'
import { SIGNAL_RELAY_TYPE, parseTrackerMessage, toWire } from '../src/protocol/tracker/messages'
import { parseJson, stringifyJson } from '../src/protocol/wire/json'
import { isJsonObject, type JsonObject } from '../src/protocol/wire/json-value'
import type { Exchange, ExchangeEvent, ExchangeListener, Registration } from './exchange'
import type { Logger } from './log'

const KEY_PREFIX = 'clearskies:tracker:id:'
const REDIS_CONNECT_TIMEOUT_MS = 5000
const RECONNECT_STEP_MS = 100
const MAX_RECONNECT_DELAY_MS = 3000
const CHANNEL_PREFIX = 'clearskies:tracker:ch:'

/** KEYS[1] hash; ARGV: field, value, hash expiry ms. The hash lives as long as its newest registration. */
const CLAIM = `
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
if redis.call('PTTL', KEYS[1]) < tonumber(ARGV[3]) then redis.call('PEXPIRE', KEYS[1], ARGV[3]) end
return 1`

/**
 * KEYS[1] hash; ARGV: field, owner, value, hash expiry ms. Only the owner may refresh; a missing
 * field (Redis restarted or flushed) is recreated, and 1 returned so the others hear of it.
 */
const REFRESH = `
local v = redis.call('HGET', KEYS[1], ARGV[1])
if v and cjson.decode(v).o ~= ARGV[2] then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
if redis.call('PTTL', KEYS[1]) < tonumber(ARGV[4]) then redis.call('PEXPIRE', KEYS[1], ARGV[4]) end
if v then return 0 end
return 1`

/** KEYS[1] hash; ARGV: field, owner. Only the owner may release. */
const RELEASE = `
local v = redis.call('HGET', KEYS[1], ARGV[1])
if v and cjson.decode(v).o == ARGV[2] then return redis.call('HDEL', KEYS[1], ARGV[1]) end
return 0`

type RedisClient = RedisClientType

export class RedisExchangeError extends Error {
  readonly code = 'ERR_REDIS_EXCHANGE'
}

export async function connectRedisExchange(
  url: string,
  onEvent: ExchangeListener,
  log: Logger,
): Promise<Exchange> {
  // Fail fast at startup (a wrong REDIS_URL must not hang silently); once up, retry with backoff.
  let started = false
  const options = {
    url,
    socket: {
      connectTimeout: REDIS_CONNECT_TIMEOUT_MS,
      reconnectStrategy: (retries: number, cause: Error): number | Error =>
        started ? Math.min(retries * RECONNECT_STEP_MS, MAX_RECONNECT_DELAY_MS) : cause,
    },
  }
  // Two connections: one in subscriber mode cannot send other commands.
  const commands = createClient(options)
  const subscriber = createClient(options)
  for (const [name, client] of [
    ['commands', commands],
    ['subscriber', subscriber],
  ] as const) {
    // node-redis reconnects by itself; without a listener an 'error' event would end the process.
    client.on('error', (err: unknown) =>
      log.warn('redis connection error', { client: name, err: String(err) }),
    )
  }
  try {
    await Promise.all([commands.connect(), subscriber.connect()])
  } catch (err) {
    commands.destroy()
    subscriber.destroy()
    throw new RedisExchangeError(`cannot connect to Redis at ${url}: ${String(err)}`)
  }
  started = true
  log.info('connected', { url: redactUrl(url) })
  return new RedisExchange(commands, subscriber, onEvent, log)
}

class RedisExchange implements Exchange {
  private readonly watching = new Set<string>()

  constructor(
    private readonly commands: RedisClient,
    private readonly subscriber: RedisClient,
    private readonly onEvent: ExchangeListener,
    private readonly log: Logger,
  ) {}

  async claim(reg: Registration): Promise<void> {
    await this.commands.eval(CLAIM, {
      keys: [KEY_PREFIX + reg.id],
      arguments: [reg.peerId, encodeRegistration(reg), String(hashTtlMs(reg.expiresAtMs))],
    })
  }

  async refresh(reg: Registration): Promise<boolean> {
    const recreated = await this.commands.eval(REFRESH, {
      keys: [KEY_PREFIX + reg.id],
      arguments: [reg.peerId, reg.owner, encodeRegistration(reg), String(hashTtlMs(reg.expiresAtMs))],
    })
    return recreated === 1
  }

  async release(id: string, peerId: string, owner: string): Promise<void> {
    await this.commands.eval(RELEASE, { keys: [KEY_PREFIX + id], arguments: [peerId, owner] })
  }

  async list(id: string, nowMs: number): Promise<Registration[]> {
    const fields = await this.commands.hGetAll(KEY_PREFIX + id)
    const live: Registration[] = []
    const stale: Array<Promise<unknown>> = []
    for (const [peerId, value] of Object.entries(fields)) {
      const reg = parseRegistration(id, peerId, value)
      if (reg && reg.expiresAtMs > nowMs) live.push(reg)
      // Released only if still the stale owner's: another connection may have claimed it since.
      else if (reg) stale.push(this.release(id, peerId, reg.owner))
      else stale.push(this.commands.hDel(KEY_PREFIX + id, peerId))
    }
    await Promise.all(stale)
    return live
  }

  async publish(id: string, event: ExchangeEvent): Promise<void> {
    // Lossless JSON both ways: a signal is the client's object, and may hold any JSON number.
    const payload: JsonObject =
      event.kind === 'signal' ? { k: 's', to: event.to, m: event.message } : { k: 'c' }
    await this.commands.publish(CHANNEL_PREFIX + id, stringifyJson(payload))
  }

  // node-redis keeps one listener per subscribe() call: the set keeps it to one per ID.
  async watch(id: string): Promise<void> {
    if (this.watching.has(id)) return
    this.watching.add(id)
    await this.subscriber.subscribe(CHANNEL_PREFIX + id, (message) => this.deliver(id, message))
  }

  async unwatch(id: string): Promise<void> {
    if (!this.watching.delete(id)) return
    await this.subscriber.unsubscribe(CHANNEL_PREFIX + id)
  }

  async close(): Promise<void> {
    await Promise.allSettled([this.subscriber.close(), this.commands.close()])
  }

  /** Messages from Redis are checked like any other input: another instance may run other code. */
  private deliver(id: string, text: string): void {
    try {
      const payload = parseJson(text)
      if (!isJsonObject(payload)) throw new RedisExchangeError('event is not an object')
      if (payload.k === 'c') return this.onEvent(id, { kind: 'changed' })
      if (payload.k !== 's' || typeof payload.to !== 'string' || !isJsonObject(payload.m))
        throw new RedisExchangeError('unknown event')
      const relay = parseTrackerMessage(payload.m)
      if (relay.type !== SIGNAL_RELAY_TYPE || relay.id !== id || relay.to !== payload.to)
        throw new RedisExchangeError('signal event does not match its channel')
      this.onEvent(id, { kind: 'signal', to: relay.to, message: toWire(relay) })
    } catch (err) {
      this.log.warn('ignored a malformed event', { id, err: String(err) })
    }
  }
}

/** The hash outlives its registrations' expiry by nothing: after that, all of them are stale anyway. */
function hashTtlMs(expiresAtMs: number): number {
  return Math.max(1, Math.ceil(expiresAtMs - Date.now()))
}

function encodeRegistration(reg: Registration): string {
  return JSON.stringify({ o: reg.owner, a: reg.addresses, e: reg.expiresAtMs })
}

function parseRegistration(id: string, peerId: string, text: string): Registration | undefined {
  try {
    const value = parseJson(text)
    if (
      !isJsonObject(value) ||
      typeof value.o !== 'string' ||
      typeof value.e !== 'number' ||
      !Array.isArray(value.a)
    )
      return undefined
    const addresses = value.a.filter((a): a is string => typeof a === 'string')
    return { id, peerId, owner: value.o, addresses, expiresAtMs: value.e }
  } catch {
    return undefined
  }
}

function redactUrl(url: string): string {
  return url.replace(/\/\/[^@/]*@/, '//***@')
}
