/**
 * The messages of core.md's Tracker Protocol, plus our signal-relay extension, as typed values.
 * `parseTrackerMessage` is the one edge where wire objects become these types; `toWire` is the way
 * back. Field names inside the program carry units (`ttlSeconds`); on the wire they are the draft's.
 */
import { FieldReader } from '../wire/fields'
import type { JsonObject } from '../wire/json-value'
import type { WireBody } from '../wire/message'
import { TrackerMessageError } from './errors'

/** core.md: "This document describes version 1 of the tracker protocol." */
export const TRACKER_PROTOCOL_VERSION = 1

/**
 * Our unofficial extension (core.md, "Extending the Protocol": a period, then a unique prefix),
 * offered in tracker.greeting and activated in tracker.start. It relays WebRTC signals between two
 * peers registered under the same ID; see docs/protocol-notes/tracker.md.
 */
export const SIGNAL_EXTENSION = '.org.clearskies.signal'
export const SIGNAL_RELAY_TYPE = `${SIGNAL_EXTENSION}.relay`

/** Access IDs and key IDs are SHA-256 digests in hex (core.md, "Access Codes"); compared in lower case. */
export const ID_PATTERN = /^[0-9a-fA-F]{64}$/
/** "A 128-bit random number called the peer ID" (core.md, "Cryptographic Keys"), in hex. */
export const PEER_ID_PATTERN = /^[0-9a-fA-F]{32}$/

export const MAX_SOFTWARE_CHARS = 256
export const MAX_IP_CHARS = 64
export const MAX_EXTENSIONS = 16
export const MAX_EXTENSION_CHARS = 128
export const MAX_PROTOCOL_VERSIONS = 16
export const MAX_ADDRESSES = 16
export const MAX_ADDRESS_CHARS = 256
/** Bounds what a parser accepts; a server applies its own, smaller, configurable cap. */
export const MAX_REGISTER_IDS = 256
export const MAX_PEERS_PER_LIST = 1024
/** One day: longer TTLs would keep a vanished peer listed for longer than anyone wants. */
export const MAX_TTL_SECONDS = 86_400

export interface TrackerGreeting {
  type: 'tracker.greeting'
  software: string
  maxTtlSeconds: number
  minTtlSeconds: number
  yourIp: string
  protocol: number[]
  extensions: string[]
}

export interface TrackerStart {
  type: 'tracker.start'
  software: string
  protocol: number
  ttlSeconds: number
  extensions: string[]
}

export interface TrackerConnection {
  type: 'tracker.connection'
  addresses: string[]
}

export interface TrackerRegister {
  type: 'tracker.register'
  /** ID (access ID or key ID) to the peer ID used under it, both lower-case hex. */
  ids: Map<string, string>
}

export interface TrackerPeers {
  type: 'tracker.peers'
  id: string
  /** Peer ID to its addresses, verbatim. */
  peers: Map<string, string[]>
}

export interface TrackerPing {
  type: 'tracker.ping'
}

/** A WebRTC offer, answer or ICE candidate, from one peer of `id` to another; `signal` is opaque to the tracker. */
export interface SignalRelay {
  type: typeof SIGNAL_RELAY_TYPE
  id: string
  from: string
  to: string
  signal: JsonObject
}

/** Any other type: ignored, as core.md asks ("unsupported message types ... should be silently ignored"). */
export interface UnknownTrackerMessage {
  type: 'unknown'
  wireType: string
}

export type TrackerMessage =
  | TrackerGreeting
  | TrackerStart
  | TrackerConnection
  | TrackerRegister
  | TrackerPeers
  | TrackerPing
  | SignalRelay
export type ParsedTrackerMessage = TrackerMessage | UnknownTrackerMessage

const MAX_TYPE_CHARS = 256

function reader(obj: JsonObject, messageType: string): FieldReader {
  return new FieldReader(
    obj,
    messageType,
    (type, field, problem) => new TrackerMessageError(type, field, problem),
  )
}

/** Validates a decoded wire object; throws TrackerMessageError naming the field at fault. */
export function parseTrackerMessage(obj: JsonObject): ParsedTrackerMessage {
  const type = reader(obj, 'message').string('type', MAX_TYPE_CHARS)
  const r = reader(obj, type)
  switch (type) {
    case 'tracker.greeting':
      return {
        type,
        software: r.string('software', MAX_SOFTWARE_CHARS),
        maxTtlSeconds: r.integer('max_ttl', 1, MAX_TTL_SECONDS),
        minTtlSeconds: r.integer('min_ttl', 1, MAX_TTL_SECONDS),
        yourIp: r.string('your_ip', MAX_IP_CHARS),
        protocol: r.integerArray('protocol', MAX_PROTOCOL_VERSIONS, 0, 2 ** 31 - 1),
        extensions: r.optionalStringArray('extensions', MAX_EXTENSIONS, MAX_EXTENSION_CHARS),
      }
    case 'tracker.start':
      return {
        type,
        software: r.string('software', MAX_SOFTWARE_CHARS),
        protocol: r.integer('protocol', 0, 2 ** 31 - 1),
        ttlSeconds: r.integer('ttl', 1, MAX_TTL_SECONDS),
        extensions: r.optionalStringArray('extensions', MAX_EXTENSIONS, MAX_EXTENSION_CHARS),
      }
    case 'tracker.connection':
      return { type, addresses: r.stringArray('addresses', MAX_ADDRESSES, MAX_ADDRESS_CHARS) }
    case 'tracker.register': {
      const ids = new Map<string, string>()
      for (const [id, peer] of Object.entries(r.object('ids', MAX_REGISTER_IDS))) {
        r.checkString('ids key', id, 64, ID_PATTERN)
        ids.set(id.toLowerCase(), r.checkString(`ids.${id}`, peer, 32, PEER_ID_PATTERN).toLowerCase())
      }
      return { type, ids }
    }
    case 'tracker.peers': {
      const peers = new Map<string, string[]>()
      for (const [peer, addresses] of Object.entries(r.object('peers', MAX_PEERS_PER_LIST))) {
        r.checkString('peers key', peer, 32, PEER_ID_PATTERN)
        peers.set(
          peer.toLowerCase(),
          r.stringArray(`peers.${peer}`, MAX_ADDRESSES + 1, MAX_ADDRESS_CHARS, addresses),
        )
      }
      return { type, id: r.string('id', 64, ID_PATTERN).toLowerCase(), peers }
    }
    case 'tracker.ping':
      return { type }
    case SIGNAL_RELAY_TYPE:
      return {
        type,
        id: r.string('id', 64, ID_PATTERN).toLowerCase(),
        from: r.string('from', 32, PEER_ID_PATTERN).toLowerCase(),
        to: r.string('to', 32, PEER_ID_PATTERN).toLowerCase(),
        signal: r.object('signal', Number.MAX_SAFE_INTEGER),
      }
    default:
      return { type: 'unknown', wireType: type }
  }
}

/** The wire object for a message, with the draft's field names. */
export function toWire(msg: TrackerMessage): WireBody {
  switch (msg.type) {
    case 'tracker.greeting':
      return {
        type: msg.type,
        software: msg.software,
        max_ttl: msg.maxTtlSeconds,
        min_ttl: msg.minTtlSeconds,
        your_ip: msg.yourIp,
        protocol: msg.protocol,
        extensions: msg.extensions,
      }
    case 'tracker.start':
      return {
        type: msg.type,
        software: msg.software,
        protocol: msg.protocol,
        ttl: msg.ttlSeconds,
        extensions: msg.extensions,
      }
    case 'tracker.connection':
      return { type: msg.type, addresses: msg.addresses }
    case 'tracker.register':
      return { type: msg.type, ids: Object.fromEntries(msg.ids) }
    case 'tracker.peers':
      return { type: msg.type, id: msg.id, peers: Object.fromEntries(msg.peers) }
    case 'tracker.ping':
      return { type: msg.type }
    case SIGNAL_RELAY_TYPE:
      return { type: msg.type, id: msg.id, from: msg.from, to: msg.to, signal: msg.signal }
  }
}
