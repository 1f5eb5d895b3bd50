/**
 * control.md's wire protocol: one JSON message per line (newlines from pretty printing removed;
 * newlines inside strings are escaped by JSON itself). Sans-I/O: bytes in, parsed lines out.
 */
import { parseJson, stringifyJson } from '../wire/json'
import type { JsonValue } from '../wire/json-value'

/** A command never needs more; a longer line is a broken or hostile client. */
export const MAX_CONTROL_LINE_BYTES = 1024 * 1024
const NEWLINE = 0x0a

export type ControlLine =
  | { ok: true; value: JsonValue }
  | { ok: false; error: string }
  /** Past MAX_CONTROL_LINE_BYTES: the stream's last line, as the rest of it is never read. */
  | { ok: false; error: string; tooLong: true }

export class ControlLineDecoder {
  private pending: Uint8Array[] = []
  private pendingBytes = 0
  private readonly decoder = new TextDecoder('utf-8', { fatal: true })
  private overflowed = false

  /**
   * Feeds bytes; returns every complete line, each parsed or with the reason it is not JSON, and
   * last a `tooLong` line once a line passes the bound.
   */
  push(bytes: Uint8Array): ControlLine[] {
    if (this.overflowed) return []
    const lines: ControlLine[] = []
    let start = 0
    for (let i = bytes.indexOf(NEWLINE); i !== -1; i = bytes.indexOf(NEWLINE, start)) {
      if (this.pendingBytes + i - start > MAX_CONTROL_LINE_BYTES) return this.overflow(lines)
      const line = this.text(this.take(bytes.subarray(start, i)))
      start = i + 1
      if (line === null) lines.push({ ok: false, error: 'the line is not valid UTF-8' })
      else if (line.trim() !== '') lines.push(this.parse(line))
    }
    const rest = bytes.subarray(start)
    if (this.pendingBytes + rest.byteLength > MAX_CONTROL_LINE_BYTES) return this.overflow(lines)
    if (rest.byteLength > 0) {
      this.pending.push(rest.slice())
      this.pendingBytes += rest.byteLength
    }
    return lines
  }

  private overflow(lines: ControlLine[]): ControlLine[] {
    this.overflowed = true
    this.pending = []
    this.pendingBytes = 0
    return [
      ...lines,
      { ok: false, error: `control line longer than ${MAX_CONTROL_LINE_BYTES} bytes`, tooLong: true },
    ]
  }

  private take(tail: Uint8Array): Uint8Array {
    if (this.pending.length === 0) return tail
    const whole = new Uint8Array(this.pendingBytes + tail.byteLength)
    let at = 0
    for (const p of this.pending) {
      whole.set(p, at)
      at += p.byteLength
    }
    whole.set(tail, at)
    this.pending = []
    this.pendingBytes = 0
    return whole
  }

  private text(bytes: Uint8Array): string | null {
    try {
      return this.decoder.decode(bytes)
    } catch {
      return null
    }
  }

  private parse(line: string): ControlLine {
    try {
      return { ok: true, value: parseJson(line) }
    } catch (err) {
      return { ok: false, error: `the line is not JSON: ${err instanceof Error ? err.message : String(err)}` }
    }
  }
}

export function encodeControlLine(value: JsonValue): Uint8Array {
  return new TextEncoder().encode(`${stringifyJson(value)}\n`)
}
