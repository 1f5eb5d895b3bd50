/**
 * Errors of the database extension. Each carries a stable `code` that maps to an action: a field
 * error or a bad signature rejects one update (logged, the connection may be closed by its
 * owner); `ERR_READ_ONLY` refuses a local change on a peer that holds only the read-only key.
 */
export type DatabaseErrorCode =
  | 'ERR_DATABASE_FIELD'
  | 'ERR_DATABASE_SIGNATURE'
  | 'ERR_READ_ONLY'
  | 'ERR_KEY_TAKEN'
  | 'ERR_UNKNOWN_CONNECTION'
  | 'ERR_STORE'

export class DatabaseError extends Error {
  constructor(
    readonly code: DatabaseErrorCode,
    message: string,
  ) {
    super(message)
    this.name = 'DatabaseError'
  }
}

/** A field of a `database.*` message is missing, has the wrong type, or is out of bounds. */
export function fieldError(message: string, field: string, problem: string): DatabaseError {
  return new DatabaseError('ERR_DATABASE_FIELD', `${message} field "${field}": ${problem}`)
}
