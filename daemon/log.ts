/**
 * The daemon's log: `<state>/daemon.log`, one line per event, with a time and the component
 * (`[tracker]`, `[lan]`, `[control-3]`, or the engine's per-connection `[in-4 tcp:…]`). Started in
 * the foreground it also goes to stderr.
 */
import { createWriteStream } from 'node:fs'

export type Log = (message: string) => void

export interface DaemonLogger {
  /** A logger whose lines are tagged with `component`. */
  for(component: string): Log
  close(): Promise<void>
}

export function openLog(path: string, echo: boolean): DaemonLogger {
  const file = createWriteStream(path, { flags: 'a', mode: 0o600 })
  const write = (line: string): void => {
    file.write(line)
    if (echo) process.stderr.write(line)
  }
  return {
    for: (component) => (message) => write(`${new Date().toISOString()} [${component}] ${message}\n`),
    close: () => new Promise((done) => file.end(done)),
  }
}
