/**
 * Typed errors of the tracker layer. Each code maps to one action: a framing or message error is
 * grounds for closing the connection with the error's message as the reason; a protocol error
 * means the two sides cannot talk (no shared version) and the client gives up on this tracker.
 */
export type TrackerFramingCode = 'ERR_TRACKER_FRAMING' | 'ERR_TRACKER_TOO_LARGE'

/** Bytes that cannot be a tracker message; ERR_TRACKER_TOO_LARGE when only the size bound was broken. */
export class TrackerFramingError extends Error {
  constructor(
    message: string,
    readonly code: TrackerFramingCode = 'ERR_TRACKER_FRAMING',
    options?: ErrorOptions,
  ) {
    super(message, options)
  }
}

/** A known message with a missing, mistyped or out-of-bounds field; `field` names it. */
export class TrackerMessageError extends Error {
  readonly code = 'ERR_TRACKER_MESSAGE'
  constructor(
    readonly messageType: string,
    readonly field: string,
    problem: string,
  ) {
    super(`${messageType}: field "${field}" ${problem}`)
  }
}

/** The conversation broke a rule of core.md's Tracker Protocol (order of messages, versions, extensions). */
export class TrackerProtocolError extends Error {
  readonly code = 'ERR_TRACKER_PROTOCOL'
}
