/**
 * `clearskies wire decode`: reads a raw ClearSkies message stream (after TLS) on stdin and prints
 * one JSON line per message, so an implementer of another peer can see what theirs sends. Payloads
 * are summarized (length and SHA-256), never printed. The first framing fault stops it with the
 * fault's byte offset; the messages before it have been printed already.
 */
import { createHash, type Hash } from 'node:crypto'
import { parseArgs } from 'node:util'
import { nodeZlibCodec } from '../../platform/node/zlib-codec'
import {
  GzipFrameDecoder,
  MAX_GZIP_FRAME_BYTES,
  WireDecoder,
  WireError,
  type WireEvent,
  type WireMessage,
  stringifyJson,
} from '../../protocol/wire'
import { concatBytes } from '../../protocol/wire/bytes'
import { CliError } from '../cli-error'

const USAGE = `usage:
  clearskies wire decode [--gzip] < stream
      print one JSON line per message: offset, prefix, type, body, signed, payload {bytes, sha256}
      --gzip  the stream uses the gzip extension's <length>:<zlib data> frames`

export async function run(args: string[]): Promise<number> {
  let parsed
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      options: { gzip: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h' } },
    })
  } catch (err) {
    throw new CliError(`wire: ${err instanceof Error ? err.message : String(err)}\n\n${USAGE}`, 2)
  }
  const { values, positionals } = parsed
  if (values.help) {
    console.log(USAGE)
    return 0
  }
  if (positionals.length !== 1 || positionals[0] !== 'decode')
    throw new CliError(`wire: expected 'decode'\n\n${USAGE}`, 2)
  try {
    await decodeStdin(values.gzip ?? false)
  } catch (err) {
    if (!(err instanceof WireError)) throw err
    const where = values.gzip && err.code !== 'ERR_WIRE_GZIP' ? ' of the inflated stream' : ''
    throw new CliError(
      `wire decode: ${err.code}: ${err.detail}${err.offset === null ? '' : ` (at byte ${err.offset}${where})`}`,
    )
  }
  return 0
}

/** Prints each message once it is complete: at once for m and s, after the payload's end for ! and $. */
class MessagePrinter {
  private current: { message: WireMessage; hash: Hash; bytes: number } | undefined

  readonly onEvent = (event: WireEvent): void => {
    if (event.kind === 'message') {
      if (event.message.hasPayload)
        this.current = { message: event.message, hash: createHash('sha256'), bytes: 0 }
      else this.print(event.message, null)
    } else if (event.kind === 'payload') {
      this.current!.hash.update(event.data)
      this.current!.bytes += event.data.byteLength
    } else {
      const { message, hash, bytes } = this.current!
      this.print(message, { bytes, sha256: hash.digest('hex') })
      this.current = undefined
    }
  }

  private print(message: WireMessage, payload: { bytes: number; sha256: string } | null): void {
    const { offset, prefix, type, body, signature } = message
    process.stdout.write(
      `${stringifyJson({ offset, prefix, type, body, signed: signature !== null, payload })}\n`,
    )
  }
}

async function decodeStdin(gzip: boolean): Promise<void> {
  const decoder = new WireDecoder()
  const printer = new MessagePrinter()
  const frames = gzip ? new GzipFrameDecoder() : undefined
  for await (const chunk of process.stdin as AsyncIterable<Buffer>) {
    if (!frames) {
      decoder.push(chunk, printer.onEvent)
      continue
    }
    const compressed: Uint8Array[] = []
    frames.push(chunk, (frame) => void compressed.push(concatBytes(frame.pieces)))
    for (const data of compressed)
      decoder.push(await nodeZlibCodec.inflate(data, MAX_GZIP_FRAME_BYTES), printer.onEvent)
  }
  frames?.finish()
  decoder.finish()
}
