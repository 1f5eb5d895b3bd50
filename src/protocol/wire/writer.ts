/**
 * The thin async driver that writes messages to a ByteStream. Sends are queued, so two callers never
 * interleave their bytes; a payload is sent as chunks of at most RECOMMENDED_CHUNK_BYTES, each
 * chunk header followed by a view of the caller's bytes (never copied). Each write waits for the
 * stream to accept it, so a slow peer slows the payload's producer.
 */
import type { ByteStream } from '../stream/byte-stream'
import { Serial } from '../stream/serial'
import { encodeBody, encodeChunkHeader, encodeFrame, encodePayloadEnd } from './encoder'
import { RECOMMENDED_CHUNK_BYTES } from './limits'
import type { WireBody } from './message'
import { signBody } from './signature'
import type { WebCryptoKey } from './web-crypto-key'

export type Payload = AsyncIterable<Uint8Array> | Iterable<Uint8Array>

export interface SendOptions {
  /** Binary data sent after the body; an empty payload is sent as just the end chunk. */
  payload?: Payload
  /** An RSA private key (RSASSA-PKCS1-v1_5, SHA-256): the message goes out as `s` or `$`. */
  signWith?: WebCryptoKey
}

export interface SendFrameOptions {
  payload?: Payload
  /** A base64 signature already made over these body bytes (a stored message repeated). */
  signature?: string
}

export class WireWriter {
  private readonly frames = new Serial()

  constructor(
    private readonly stream: ByteStream,
    private readonly chunkBytes = RECOMMENDED_CHUNK_BYTES,
  ) {}

  /** Encodes, signs if asked, and sends one message with its payload. */
  send(body: WireBody, options: SendOptions = {}): Promise<void> {
    const bodyBytes = encodeBody(body)
    return this.frames.run(async () => {
      const signature = options.signWith ? await signBody(bodyBytes, options.signWith) : undefined
      await this.writeFrame(bodyBytes, { payload: options.payload, signature })
    })
  }

  /** Sends body bytes as they are (a signed update a read-only peer stored and now repeats). */
  sendFrame(bodyBytes: Uint8Array, options: SendFrameOptions = {}): Promise<void> {
    return this.frames.run(() => this.writeFrame(bodyBytes, options))
  }

  private async writeFrame(bodyBytes: Uint8Array, { payload, signature }: SendFrameOptions): Promise<void> {
    await this.stream.write(encodeFrame(bodyBytes, { signature, withPayload: payload !== undefined }))
    if (payload === undefined) return
    try {
      for await (const data of payload) {
        for (let at = 0; at < data.byteLength; at += this.chunkBytes) {
          const chunk = data.subarray(at, at + this.chunkBytes)
          await this.stream.write(encodeChunkHeader(chunk.byteLength))
          await this.stream.write(chunk)
        }
      }
    } catch (err) {
      // The framing has no way to abandon a payload half sent: the connection cannot go on.
      this.stream.close(err instanceof Error ? err : new Error(String(err)))
      throw err
    }
    await this.stream.write(encodePayloadEnd())
  }
}
