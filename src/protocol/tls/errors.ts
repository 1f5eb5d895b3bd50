/**
 * TLS failures as typed errors. Every error carries a stable `code` and the alert it is answered
 * with (RFC 5246 §7.2), so the driver maps a failure to its alert in one place.
 */

/** RFC 5246 §7.2 AlertDescription values we send or name, plus RFC 5746/7366/5054 additions. */
export const AlertDescription = {
  close_notify: 0,
  unexpected_message: 10,
  bad_record_mac: 20,
  record_overflow: 22,
  handshake_failure: 40,
  illegal_parameter: 47,
  access_denied: 49,
  decode_error: 50,
  decrypt_error: 51,
  protocol_version: 70,
  insufficient_security: 71,
  internal_error: 80,
  user_canceled: 90,
  no_renegotiation: 100,
  unsupported_extension: 110,
  unknown_psk_identity: 115,
} as const
export type AlertDescription = (typeof AlertDescription)[keyof typeof AlertDescription]

export function alertName(description: number): string {
  for (const [name, value] of Object.entries(AlertDescription)) if (value === description) return name
  return `alert_${description}`
}

/** Stable codes for everything that can end a TLS connection, each mapped to the alert we send. */
export const TLS_ERROR_ALERTS = {
  ERR_TLS_UNEXPECTED_MESSAGE: AlertDescription.unexpected_message,
  ERR_TLS_BAD_RECORD_MAC: AlertDescription.bad_record_mac,
  ERR_TLS_RECORD_OVERFLOW: AlertDescription.record_overflow,
  ERR_TLS_HANDSHAKE_FAILURE: AlertDescription.handshake_failure,
  ERR_TLS_ILLEGAL_PARAMETER: AlertDescription.illegal_parameter,
  ERR_TLS_RATE_LIMITED: AlertDescription.access_denied,
  ERR_TLS_DECODE: AlertDescription.decode_error,
  ERR_TLS_BAD_FINISHED: AlertDescription.decrypt_error,
  ERR_TLS_PROTOCOL_VERSION: AlertDescription.protocol_version,
  ERR_TLS_INSUFFICIENT_SECURITY: AlertDescription.insufficient_security,
  ERR_TLS_INTERNAL: AlertDescription.internal_error,
  ERR_TLS_UNSUPPORTED_EXTENSION: AlertDescription.unsupported_extension,
  ERR_TLS_TIMEOUT: AlertDescription.user_canceled,
} as const
export type TlsErrorCode = keyof typeof TLS_ERROR_ALERTS

/** A local failure: we send its alert (fatal) and close. */
export class TlsError extends Error {
  readonly alert: AlertDescription
  constructor(
    readonly code: TlsErrorCode,
    message: string,
  ) {
    super(message)
    this.name = 'TlsError'
    this.alert = TLS_ERROR_ALERTS[code]
  }
}

/** The peer sent a fatal alert: we close without answering (RFC 5246 §7.2.2). */
export class TlsAlertReceivedError extends Error {
  readonly code = 'ERR_TLS_ALERT_RECEIVED'
  constructor(readonly description: number) {
    super(`peer sent fatal alert ${alertName(description)} (${description})`)
    this.name = 'TlsAlertReceivedError'
  }
}

/** The transport ended or failed before the TLS session did (no close_notify). */
export class TlsTransportError extends Error {
  readonly code = 'ERR_TLS_TRANSPORT'
  constructor(message: string, cause?: unknown) {
    super(message, { cause })
    this.name = 'TlsTransportError'
  }
}

export type TlsFailure = TlsError | TlsAlertReceivedError | TlsTransportError

/** Anything unexpected thrown inside the engine becomes an internal_error, never an escaping exception. */
export function asTlsFailure(err: unknown): TlsFailure {
  if (err instanceof TlsError || err instanceof TlsAlertReceivedError || err instanceof TlsTransportError)
    return err
  const message = err instanceof Error ? err.message : String(err)
  return new TlsError('ERR_TLS_INTERNAL', `internal error: ${message}`)
}
