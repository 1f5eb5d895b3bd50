/**
 * Structured logs: one JSON object per line on stdout, with a time, a level, a namespace and the
 * connection's id where there is one, so `jq` and log shippers read them without a parser of ours.
 */
export const LOG_LEVELS = ['debug', 'info', 'warn', 'error', 'silent'] as const
export type LogLevel = (typeof LOG_LEVELS)[number]

export type LogFields = Record<string, string | number | boolean | undefined>

export interface Logger {
  debug(msg: string, fields?: LogFields): void
  info(msg: string, fields?: LogFields): void
  warn(msg: string, fields?: LogFields): void
  error(msg: string, fields?: LogFields): void
  /** A logger that adds `fields` (a namespace, a connection id) to every line. */
  child(fields: LogFields): Logger
}

export function createLogger(
  level: LogLevel,
  write: (line: string) => void = (line) => process.stdout.write(line),
): Logger {
  const threshold = LOG_LEVELS.indexOf(level)
  const make = (bound: LogFields): Logger => {
    const emit = (lineLevel: Exclude<LogLevel, 'silent'>, msg: string, fields?: LogFields): void => {
      if (LOG_LEVELS.indexOf(lineLevel) < threshold) return
      write(
        `${JSON.stringify({ time: new Date().toISOString(), level: lineLevel, ...bound, msg, ...fields })}\n`,
      )
    }
    return {
      debug: (msg, fields) => emit('debug', msg, fields),
      info: (msg, fields) => emit('info', msg, fields),
      warn: (msg, fields) => emit('warn', msg, fields),
      error: (msg, fields) => emit('error', msg, fields),
      child: (fields) => make({ ...bound, ...fields }),
    }
  }
  return make({})
}
