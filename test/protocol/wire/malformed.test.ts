/**
 * Malformed input: every fault is a WireError with a stable code, the bound or the bad value in its
 * message and the byte offset where it was found; nothing crashes and nothing grows without bound.
 */
import { describe, expect, it } from 'vitest'
import {
  MAX_BODY_BYTES,
  MAX_CONSECUTIVE_RUNT_CHUNKS,
  MAX_GAP_BYTES,
  WireDecoder,
  WireError,
  WireErrorCode,
} from '../../../src/protocol/wire'
import { decodeBytes, text } from './decode-all'

function faultOf(bytes: Uint8Array): WireError {
  try {
    decodeBytes(bytes)
  } catch (err) {
    if (err instanceof WireError) return err
    throw err
  }
  throw new Error('decoded without a fault')
}

const CASES: Array<{
  name: string
  input: Uint8Array | string
  code: WireErrorCode
  offset: number
  says: RegExp
}> = [
  {
    name: 'a bad prefix',
    input: 'x12{"type":"x"}\n',
    code: WireErrorCode.Prefix,
    offset: 0,
    says: /expected a message prefix \(m ! s \$\), got 'x'/,
  },
  {
    name: 'a bad prefix after a good message',
    input: 'm12{"type":"x"}\n#',
    code: WireErrorCode.Prefix,
    offset: 16,
    says: /got '#'/,
  },
  {
    name: 'no length',
    input: 'm{"type":"x"}',
    code: WireErrorCode.Length,
    offset: 1,
    says: /expected the body length in decimal digits, got '\{'/,
  },
  {
    name: 'a non-digit in the length',
    input: 'm1x{"type":"x"}',
    code: WireErrorCode.Body,
    offset: 2,
    says: /must start with '\{', got 'x'/,
  },
  {
    name: 'a length over 16 MiB',
    input: 'm16777217{',
    code: WireErrorCode.Length,
    offset: 8,
    says: /body length 16777217 exceeds the maximum of 16777216 bytes/,
  },
  {
    name: 'a huge length',
    input: 'm99999999999999999999{',
    code: WireErrorCode.Length,
    offset: 8,
    says: /body length 99999999 exceeds/,
  },
  {
    name: 'too many leading zeros',
    input: 'm000000012{"type":"x"}',
    code: WireErrorCode.Length,
    offset: 9,
    says: /more than 8 digits/,
  },
  { name: 'a zero length', input: 'm0{}', code: WireErrorCode.Length, offset: 2, says: /body length is 0/ },
  {
    name: 'a body that is an array',
    input: 'm2[]',
    code: WireErrorCode.Body,
    offset: 2,
    says: /must start with '\{', got '\['/,
  },
  {
    name: 'a body that is not JSON',
    input: 'm3{x}',
    code: WireErrorCode.Json,
    offset: 2,
    says: /not valid JSON/,
  },
  {
    name: 'a body without "type"',
    input: 'm7{"a":1}',
    code: WireErrorCode.Body,
    offset: 2,
    says: /no string "type" member \(got none\)/,
  },
  {
    name: 'a body whose "type" is a number',
    input: 'm10{"type":1}',
    code: WireErrorCode.Body,
    offset: 3,
    says: /\(got a number\)/,
  },
  {
    name: 'a number beyond a double',
    input: 'm22{"type":"a","n":1e400}',
    code: WireErrorCode.Json,
    offset: 3,
    says: /beyond the range of a double/,
  },
  {
    name: 'a signed message without a signature length',
    input: 's12{"type":"x"}',
    code: WireErrorCode.Header,
    offset: 3,
    says: /expected ':' and the signature length/,
  },
  {
    name: 'a signature length of 0',
    input: 's12:0{"type":"x"}\n',
    code: WireErrorCode.Length,
    offset: 5,
    says: /signature length is 0/,
  },
  {
    name: 'a signature over 4096 bytes',
    input: 's12:4097{',
    code: WireErrorCode.Length,
    offset: 7,
    says: /signature length 4097 exceeds the maximum of 4096/,
  },
  {
    name: 'a signature that is not base64',
    input: 's12:4{"type":"x"}\na*b=',
    code: WireErrorCode.Signature,
    offset: 18,
    says: /4-byte signature is not base64/,
  },
  {
    name: 'a chunk length that is not digits',
    input: '!12{"type":"x"}\nab\n',
    code: WireErrorCode.Length,
    offset: 16,
    says: /expected the chunk length in decimal digits, got 'a'/,
  },
  {
    name: 'a chunk length without its newline',
    input: '!12{"type":"x"}\n3 abc',
    code: WireErrorCode.Header,
    offset: 17,
    says: /expected a newline after the chunk length 3, got ' '/,
  },
  {
    name: 'a chunk over 16 MiB',
    input: '!12{"type":"x"}\n16777217\n',
    code: WireErrorCode.Length,
    offset: 23,
    says: /chunk length 16777217 exceeds the maximum of 16777216/,
  },
  {
    name: 'empty chunks after the end chunk',
    input: '!12{"type":"x"}\n0\n0\n0\n',
    code: WireErrorCode.Prefix,
    offset: 18,
    says: /got '0'/,
  },
  {
    name: 'a truncated chunk',
    input: '!12{"type":"x"}\n5\nab',
    code: WireErrorCode.Truncated,
    offset: 20,
    says: /ended inside a payload chunk of the '!' message that began at byte 0/,
  },
  {
    name: 'a payload without its end chunk',
    input: '!12{"type":"x"}\n2\nab',
    code: WireErrorCode.Truncated,
    offset: 20,
    says: /inside the payload, before a chunk length/,
  },
  {
    name: 'a truncated body',
    input: 'm12{"type"',
    code: WireErrorCode.Truncated,
    offset: 10,
    says: /inside the body/,
  },
  {
    name: 'a truncated header',
    input: 's12:',
    code: WireErrorCode.Truncated,
    offset: 4,
    says: /inside the signature length/,
  },
]

describe('malformed wire input', () => {
  it.each(CASES)('$name: $code at byte $offset', ({ input, code, offset, says }) => {
    const fault = faultOf(typeof input === 'string' ? text(input) : input)
    expect(fault.code).toBe(code)
    expect(fault.offset).toBe(offset)
    expect(fault.message).toMatch(says)
    expect(fault.message).toContain(`(at byte ${offset})`)
  })

  it('invalid UTF-8 in the body', () => {
    const bytes = text('m16{"type":"x\uFFFD"}\n')
    bytes.set([0xc3, 0x28, 0x28], 12) // a lead byte followed by a non-continuation byte
    expect(faultOf(bytes)).toMatchObject({ code: WireErrorCode.Utf8, offset: 3 })
  })

  it('a flood of whitespace between messages is cut off at its bound', () => {
    const fault = faultOf(text(`m12{"type":"x"}\n${' '.repeat(MAX_GAP_BYTES + 10)}`))
    expect(fault).toMatchObject({ code: WireErrorCode.Flood, offset: 15 + MAX_GAP_BYTES })
    expect(fault.message).toContain(`more than ${MAX_GAP_BYTES} bytes of whitespace`)
  })

  it('a flood of tiny chunks is cut off at its bound; larger chunks reset the count', () => {
    const runts = (n: number): string => '1\na'.repeat(n)
    const fine = `!12{"type":"x"}\n${runts(MAX_CONSECUTIVE_RUNT_CHUNKS)}64\n${'b'.repeat(64)}${runts(MAX_CONSECUTIVE_RUNT_CHUNKS)}0\n`
    expect(decodeBytes(text(fine))[0]!.payloadEvents).toBe(2 * MAX_CONSECUTIVE_RUNT_CHUNKS + 1)
    const fault = faultOf(text(`!12{"type":"x"}\n${runts(MAX_CONSECUTIVE_RUNT_CHUNKS + 1)}`))
    expect(fault.code).toBe(WireErrorCode.Flood)
    expect(fault.message).toContain(
      `more than ${MAX_CONSECUTIVE_RUNT_CHUNKS} payload chunks in a row smaller than 64 bytes`,
    )
  })

  it('a body of exactly 16 MiB is accepted; one byte more is refused at the length, before any body byte', () => {
    const json = `{"type":"big","pad":"${'p'.repeat(MAX_BODY_BYTES - 24)}"}\n`
    expect(json.length).toBe(MAX_BODY_BYTES)
    expect(decodeBytes(text(`m${MAX_BODY_BYTES}${json}`))[0]!.message.type).toBe('big')
    const decoder = new WireDecoder()
    expect(() => decoder.push(text(`m${MAX_BODY_BYTES + 1}`), () => {})).toThrow(
      expect.objectContaining({ code: WireErrorCode.Length, offset: 8 }),
    )
  })

  it('buffers a split body only up to its declared length, and never buffers payload', () => {
    const decoder = new WireDecoder()
    const events: unknown[] = []
    decoder.push(text('!12{"type"'), (e) => events.push(e))
    decoder.push(text(':"x"}\n1000\n'), (e) => events.push(e))
    const slice = new Uint8Array(600)
    decoder.push(slice, (e) => events.push(e))
    expect(events).toHaveLength(2)
    expect((events[1] as { data: Uint8Array }).data.buffer).toBe(slice.buffer)
  })

  it('stays failed: the next push throws the same error', () => {
    const decoder = new WireDecoder()
    expect(() => decoder.push(text('?'), () => {})).toThrow(WireError)
    expect(() => decoder.push(text('m12{"type":"x"}\n'), () => {})).toThrow(
      expect.objectContaining({ code: WireErrorCode.Prefix, offset: 0 }),
    )
  })
})
