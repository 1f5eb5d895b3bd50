/** An error meant for the person at the terminal: printed as its message alone, with no stack. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message)
  }
}
