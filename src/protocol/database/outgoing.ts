/**
 * Connections as the database sees them, and one update on its way out: which form it takes
 * for which connection (database.md, "Record Changes": "This is a signed message when a
 * read-write peer is sending to a read-only peer").
 */
import type { AccessLevel } from '../core/messages'
import type { JsonObject } from '../wire/json-value'
import type { OutgoingMessage } from './messages'
import { updateBody, type DatabaseRecord, type SignedUpdate } from './record'

/** core.md, "Access Levels": the key a connection was authenticated with decides its level. */
export type { AccessLevel }

export interface PeerConnection {
  /**
   * The access level of the key this connection authenticated with. A read-write peer also
   * holds the read-only key, so a read-only connection may have a read-write peer behind it:
   * updates on it must be signed either way.
   */
  readonly access: AccessLevel
  /** Frames and writes one message; resolving when accepted gives back-pressure. */
  send(message: OutgoingMessage): void | Promise<void>
}

/** How this peer signs, when it can: the read-write private key and the body encoder. */
export interface SigningContext {
  readonly ownAccess: AccessLevel
  sign(body: JsonObject): Promise<SignedUpdate>
}

export class OutgoingUpdate {
  private signing: Promise<SignedUpdate> | undefined
  private signatureTaken = false

  constructor(
    readonly body: JsonObject,
    /** The signed message this update arrived as, repeated as is when a signature is needed. */
    readonly signed: SignedUpdate | undefined,
    /** The stored record this update was made from, if any: a new signature can be kept with it. */
    readonly record?: DatabaseRecord,
  ) {}

  static fromRecord(record: DatabaseRecord): OutgoingUpdate {
    return new OutgoingUpdate(updateBody(record), record.signed, record)
  }

  /** Once: the signature this update made for itself (not one it arrived with), if it made one. */
  takeNewSignature(): Promise<SignedUpdate> | undefined {
    if (this.signed || !this.signing || this.signatureTaken) return undefined
    this.signatureTaken = true
    return this.signing
  }

  /** The message for a connection of level `target`; undefined when this peer cannot sign it. */
  async messageFor(target: AccessLevel, context: SigningContext): Promise<OutgoingMessage | undefined> {
    if (context.ownAccess === 'read_write' && target === 'read_write') return { kind: 'm', body: this.body }
    if (this.signed) return { kind: 's', signed: this.signed }
    if (context.ownAccess === 'read_only') return undefined // a read-only peer only repeats signed messages
    this.signing ??= context.sign(this.body) // one signature for every read-only connection
    return { kind: 's', signed: await this.signing }
  }
}
