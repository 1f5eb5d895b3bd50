/**
 * The control messages between a browser peer and the bridge (docs/protocol-notes/bridge.md): JSON
 * text on the WebRTC data channel the browser opened to the bridge. Each relayed TCP connection
 * gets a data channel of its own, created on both sides with an agreed id (`negotiated`), so the
 * control channel only says which id carries what. `parseBridgeMessage` is the one edge where text
 * off the channel becomes these types.
 */
import { FieldReader } from '../wire/fields'
import { isJsonObject, type JsonValue } from '../wire/json-value'
import { ID_PATTERN, MAX_ADDRESS_CHARS, MAX_REGISTER_IDS } from '../tracker/messages'

/**
 * The well-known ID bridges and the browsers that want one register under, so the tracker's signal
 * relay (which only relays between members of one ID) carries their WebRTC offers: SHA-256 of
 * "org.clearskies.bridge/1".
 */
export const BRIDGE_ID = 'fb7895ec41c937dacbc6c55ac193b5040a44b5a73f52c22fadf4fd8d089a5920'
/** A bridge marks itself among the members of BRIDGE_ID with this address (`bridge:` + its `tcp:` listener, or nothing). */
export const BRIDGE_SCHEME = 'bridge:'
/** Both sides create the control channel with this id (src/net/rtc-link.ts's channel; simple-peer's own gets a low one). */
export const CONTROL_CHANNEL_ID = 1000
/** Relay channels: the browser numbers its dials evenly, the bridge its inbound connections oddly, so the two never collide. */
export const FIRST_DIAL_CHANNEL = 1002
export const FIRST_INBOUND_CHANNEL = 1001
/** SCTP stream ids are 16 bits; 65535 is reserved. */
export const MAX_CHANNEL_ID = 65534
export const MAX_CONTROL_MESSAGE_CHARS = 64 * 1024
export const MAX_REASON_CHARS = 256

export type BridgeMessage =
  /** Browser: the IDs it registered, so the bridge learns what the tracker publishes for them; `inbound` asks to be reachable through the bridge's TCP listener. */
  | { readonly type: 'watch'; readonly ids: readonly string[]; readonly inbound: boolean }
  /** Browser: open TCP to `address`, published for `id`, and relay it on `channel`. */
  | { readonly type: 'dial'; readonly channel: number; readonly id: string; readonly address: string }
  /** Bridge: the dial on `channel` is connected (its end of the channel exists), or refused. */
  | { readonly type: 'dialed'; readonly channel: number; readonly error?: string }
  /** Bridge: a TCP connection for `id` arrived from `source`; relayed on `channel` once the browser accepts. */
  | { readonly type: 'incoming'; readonly channel: number; readonly id: string; readonly source: string }
  /** Browser: its end of an incoming channel exists; the bridge may send. */
  | { readonly type: 'accepted'; readonly channel: number }
  /** Bridge: its TCP side of `channel` is full (or over the bandwidth limit); stop sending until `resume`. */
  | { readonly type: 'pause' | 'resume'; readonly channel: number }
  /** Bridge: the address it accepts inbound connections on, to be announced to the tracker (or null). */
  | { readonly type: 'hello'; readonly inbound: string | null }

export class BridgeMessageError extends Error {
  readonly code = 'ERR_BRIDGE_MESSAGE'
}

const fail = (type: string, field: string, problem: string): Error =>
  new BridgeMessageError(`${type}: field "${field}" ${problem}`)

export function parseBridgeMessage(text: string): BridgeMessage {
  if (text.length > MAX_CONTROL_MESSAGE_CHARS)
    throw new BridgeMessageError(
      `control message of ${text.length} characters exceeds ${MAX_CONTROL_MESSAGE_CHARS}`,
    )
  let value: JsonValue
  try {
    value = JSON.parse(text) as JsonValue
  } catch {
    throw new BridgeMessageError('control message is not JSON')
  }
  if (!isJsonObject(value)) throw new BridgeMessageError('control message is not a JSON object')
  const type = new FieldReader(value, 'bridge', fail).string('type', 32)
  const r = new FieldReader(value, type, fail)
  const channel = (): number => r.integer('channel', FIRST_INBOUND_CHANNEL, MAX_CHANNEL_ID)
  switch (type) {
    case 'watch':
      return {
        type,
        ids: r
          .stringArray('ids', MAX_REGISTER_IDS, 64)
          .map((id) => r.checkString('ids', id, 64, ID_PATTERN).toLowerCase()),
        inbound: r.boolean('inbound'),
      }
    case 'dial':
      return {
        type,
        channel: channel(),
        id: r.string('id', 64, ID_PATTERN).toLowerCase(),
        address: r.string('address', MAX_ADDRESS_CHARS),
      }
    case 'dialed': {
      const error = r.optionalString('error', MAX_REASON_CHARS)
      return { type, channel: channel(), ...(error === undefined ? {} : { error }) }
    }
    case 'incoming':
      return {
        type,
        channel: channel(),
        id: r.string('id', 64, ID_PATTERN).toLowerCase(),
        source: r.string('source', MAX_ADDRESS_CHARS),
      }
    case 'accepted':
    case 'pause':
    case 'resume':
      return { type, channel: channel() }
    case 'hello':
      return { type, inbound: r.has('inbound') ? r.string('inbound', MAX_ADDRESS_CHARS) : null }
    default:
      throw new BridgeMessageError(`unknown control message type ${JSON.stringify(type.slice(0, 32))}`)
  }
}

export function encodeBridgeMessage(message: BridgeMessage): string {
  return JSON.stringify(message)
}
