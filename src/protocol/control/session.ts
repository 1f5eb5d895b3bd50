/**
 * Both ends of a control connection over any ByteStream (a unix socket for the daemon, a pipe in
 * tests): the server greets, then answers each line in order; the client pipelines requests and
 * matches answers by order, as control.md allows.
 */
import type { ByteStream } from '../stream/byte-stream'
import type { JsonObject, JsonValue } from '../wire/json-value'
import { isJsonObject } from '../wire/json-value'
import { ControlCommandError, parseControlCommand, type ControlCommand, type ControlError } from './commands'
import { ControlLineDecoder, encodeControlLine } from './line-codec'

export const CONTROL_PROTOCOL_VERSION = 1

export interface ControlHandshake {
  service: 'ClearSkies Control'
  software: string
  protocol: number
}

/** What a peer (the daemon's engine, the browser worker) does with each command. */
export type ControlHandler = (command: ControlCommand) => Promise<JsonObject>

/** Answers one request: the handler's result, or control.md's error object. */
export async function answerControlRequest(request: JsonValue, handler: ControlHandler): Promise<JsonObject> {
  try {
    return await handler(parseControlCommand(request))
  } catch (err) {
    if (err instanceof ControlCommandError) return { ...err.toResponse() }
    const code =
      typeof (err as { code?: unknown }).code === 'string' ? (err as { code: string }).code : 'internal'
    return { error: code, message: err instanceof Error ? err.message : String(err) }
  }
}

export async function serveControl(
  stream: ByteStream,
  software: string,
  handler: ControlHandler,
): Promise<void> {
  const handshake: ControlHandshake = {
    service: 'ClearSkies Control',
    software,
    protocol: CONTROL_PROTOCOL_VERSION,
  }
  const decoder = new ControlLineDecoder()
  try {
    // Inside the try: a client that hangs up at once (a liveness probe) must not fail the server.
    await stream.write(encodeControlLine({ ...handshake }))
    for (let chunk = await stream.read(); chunk !== null; chunk = await stream.read()) {
      for (const line of decoder.push(chunk)) {
        if (!line.ok && 'tooLong' in line) return await refuseLine(stream, line.error)
        const response = line.ok
          ? await answerControlRequest(line.value, handler)
          : { error: 'not_understood', message: line.error }
        await stream.write(encodeControlLine(response))
      }
    }
    await stream.end()
  } catch (err) {
    stream.close(err instanceof Error ? err : new Error(String(err)))
  }
}

/**
 * Answers an over-long line in its place, then closes: without the answer a client sees only a
 * closed socket. The rest of the line stays unread, so the client's writes may end in a reset; the
 * answer is in its receive buffer before that.
 */
async function refuseLine(stream: ByteStream, error: string): Promise<void> {
  const refusal: ControlError = { error: 'not_understood', message: `${error}; closing the connection` }
  await stream.write(encodeControlLine({ ...refusal }))
  await stream.end()
  stream.close()
}

export class ControlClientError extends Error {
  constructor(
    readonly error: string,
    message: string,
  ) {
    super(message)
  }
}

/** A pipelining client: `request` may be called many times without waiting; answers come in order. */
export class ControlClient {
  private readonly waiting: Array<{ resolve: (v: JsonObject) => void; reject: (e: Error) => void }> = []
  private readonly decoder = new ControlLineDecoder()
  private failure: Error | undefined

  private constructor(
    private readonly stream: ByteStream,
    readonly handshake: ControlHandshake,
    initial: JsonValue[],
  ) {
    for (const value of initial) this.dispatch(value)
    void this.pump()
  }

  static async connect(stream: ByteStream): Promise<ControlClient> {
    const decoder = new ControlLineDecoder()
    for (;;) {
      const chunk = await stream.read()
      if (chunk === null)
        throw new ControlClientError('closed', 'the control socket closed before its handshake')
      const lines = decoder.push(chunk)
      if (lines.length === 0) continue
      const [first, ...rest] = lines
      if (!first?.ok || !isJsonObject(first.value) || first.value.service !== 'ClearSkies Control') {
        throw new ControlClientError(
          'handshake',
          'the control socket did not answer with a ClearSkies Control handshake',
        )
      }
      if (first.value.protocol !== CONTROL_PROTOCOL_VERSION) {
        throw new ControlClientError(
          'handshake',
          `the daemon speaks control protocol ${String(first.value.protocol)}, we speak ${CONTROL_PROTOCOL_VERSION}`,
        )
      }
      const handshake: ControlHandshake = {
        service: 'ClearSkies Control',
        software: typeof first.value.software === 'string' ? first.value.software : '',
        protocol: CONTROL_PROTOCOL_VERSION,
      }
      return new ControlClient(
        stream,
        handshake,
        rest.flatMap((l) => (l.ok ? [l.value] : [])),
      )
    }
  }

  /** Sends a command; resolves with the response, or rejects with the daemon's error. */
  request(command: JsonObject): Promise<JsonObject> {
    if (this.failure) return Promise.reject(this.failure)
    const answer = new Promise<JsonObject>((resolve, reject) => this.waiting.push({ resolve, reject }))
    this.stream
      .write(encodeControlLine(command))
      .catch((err: unknown) => this.fail(err instanceof Error ? err : new Error(String(err))))
    return answer
  }

  close(): void {
    this.stream.close()
    this.fail(new ControlClientError('closed', 'the control connection was closed'))
  }

  private async pump(): Promise<void> {
    try {
      for (let chunk = await this.stream.read(); chunk !== null; chunk = await this.stream.read()) {
        for (const line of this.decoder.push(chunk)) {
          if (line.ok) this.dispatch(line.value)
          else
            this.fail(
              new ControlClientError(
                'not_understood',
                `the daemon sent a line we cannot read: ${line.error}`,
              ),
            )
        }
      }
      this.fail(new ControlClientError('closed', 'the daemon closed the control connection'))
    } catch (err) {
      this.fail(err instanceof Error ? err : new Error(String(err)))
    }
  }

  private dispatch(value: JsonValue): void {
    const waiter = this.waiting.shift()
    if (!waiter) return
    if (!isJsonObject(value))
      return waiter.reject(new ControlClientError('not_understood', 'the daemon answered with a non-object'))
    if (typeof value.error === 'string') {
      return waiter.reject(
        new ControlClientError(value.error, typeof value.message === 'string' ? value.message : value.error),
      )
    }
    waiter.resolve(value)
  }

  private fail(err: Error): void {
    this.failure ??= err
    for (const w of this.waiting.splice(0)) w.reject(err)
  }
}
