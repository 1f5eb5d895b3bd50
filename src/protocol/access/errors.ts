/** Why an access code, credential, grant or key was refused, as stable codes for the UI and the CLI. */
export const AccessErrorCode = {
  /** Not 33 characters once spaces, dashes and the URL are taken away. */
  CodeLength: 'ERR_ACCESS_CODE_LENGTH',
  /** A character that is not base32 (nor a 0 or 1 read as O, I or L). */
  CodeCharacter: 'ERR_ACCESS_CODE_CHARACTER',
  /** The check character does not match: a typo. */
  CodeCheck: 'ERR_ACCESS_CODE_CHECK',
  /** More than one reading of its 1s as I or L passes the check. */
  CodeAmbiguous: 'ERR_ACCESS_CODE_AMBIGUOUS',
  /** Decodes, but not behind the SYNC prefix bytes 96 1A 2F F3. */
  CodePrefix: 'ERR_ACCESS_CODE_PREFIX',
  /** A link whose form we do not know. */
  CodeLink: 'ERR_ACCESS_CODE_LINK',
  /** A custom username or password that is empty or too long. */
  Credential: 'ERR_ACCESS_CREDENTIAL',
  /** A grant change its state does not allow (using a cancelled code, extending a cancelled one). */
  Grant: 'ERR_ACCESS_GRANT',
  /** A PEM or DER key that is malformed, of an unknown kind, or too weak. */
  Key: 'ERR_ACCESS_KEY',
} as const
export type AccessErrorCode = (typeof AccessErrorCode)[keyof typeof AccessErrorCode]

export class AccessError extends Error {
  constructor(
    readonly code: AccessErrorCode,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options)
    this.name = 'AccessError'
  }
}
