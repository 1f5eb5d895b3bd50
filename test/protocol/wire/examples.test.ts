/** Every example of core.md's Wire Protocol, 64-bit Integers and Datetime Values sections, byte for byte. */
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import {
  WireErrorCode,
  formatTimestamp,
  parseJson,
  parseTimestamp,
  stringifyJson,
} from '../../../src/protocol/wire'
import { decodeBytes, str } from './decode-all'

const example = (name: string): Uint8Array =>
  new Uint8Array(readFileSync(new URL(`../../testdata/wire/${name}`, import.meta.url)))

describe('core.md examples', () => {
  it('m82: the compact body is 82 bytes and decodes to the object shown (the newline after it is skipped)', () => {
    const [m, ...rest] = decodeBytes(example('core-m82-compact.bin'))
    expect(rest).toEqual([])
    expect(m!.message.prefix).toBe('m')
    expect(m!.message.body).toEqual({
      type: 'foo',
      message: 'Basic example message',
      declaration: 'For great justice',
    })
    expect(m!.message.signature).toBeNull()
    expect(m!.payload).toBeNull()
  })

  it('m82 as printed: the pretty body is 95 bytes, so length 82 cuts it and the reader says so instead of guessing', () => {
    expect(() => decodeBytes(example('core-m82-as-printed.bin'))).toThrow(
      expect.objectContaining({ code: WireErrorCode.Json, offset: 3 }),
    )
  })

  it('m82 as printed, with the length of what is printed (95 + newline), decodes to the same object', () => {
    const bytes = example('core-m82-as-printed.bin')
    const fixed = new TextEncoder().encode(str(bytes).replace('m82', 'm96'))
    expect(decodeBytes(fixed)[0]!.message.body).toEqual({
      type: 'foo',
      message: 'Basic example message',
      declaration: 'For great justice',
    })
  })

  it('!44: a body whose length counts its newline, then two chunks whose data includes their newlines', () => {
    const [m, ...rest] = decodeBytes(example('core-bang44.bin'))
    expect(rest).toEqual([])
    expect(m!.message.prefix).toBe('!')
    expect(m!.message.type).toBe('file_data')
    expect(m!.message.body).toEqual({ type: 'file_data', path: 'test/file.txt' })
    expect(str(m!.payload!)).toBe('This is just text, but could be binary data!\nThis is more binary data\n')
  })

  it('s27:64: the signature is the 64 base64 characters after the body', () => {
    const [m] = decodeBytes(example('core-s27.bin'))
    expect(m!.message.prefix).toBe('s')
    expect(m!.message.body).toEqual({ type: 'foo', arg: 'bar' })
    expect(str(m!.message.bodyBytes)).toBe('{"type":"foo","arg":"bar"}\n')
    expect(m!.message.signature).toBe('MC0CFGq+pt0m53OP9eZSndaUtWwKnoJ7AhUAy6ScPi8Kbwe4SJiIvsf9DUFHWKE=')
    expect(m!.payload).toBeNull()
  })

  it('$27:64: signature, then a 40-byte chunk', () => {
    const [m] = decodeBytes(example('core-dollar27.bin'))
    expect(m!.message.prefix).toBe('$')
    expect(m!.message.body).toEqual({ type: 'foo', arg: 'bar' })
    expect(m!.message.signature).toBe('MC0CFGq+pt0m53OP9eZSndaUtWwKnoJ7AhUAy6ScPi8Kbwe4SJiIvsf9DUFHWKE=')
    expect(str(m!.payload!)).toBe('Another example of possibly binary data\n')
  })

  it('64-bit integers: the size parses to the exact bigint and prints back digit for digit', () => {
    const value = parseJson(str(example('core-64bit.json')))
    expect(value).toEqual({ path: 'video-of-unusual-size.mp4', size: 3762440519426216896n })
    expect(stringifyJson(value)).toBe('{"path":"video-of-unusual-size.mp4","size":3762440519426216896}')
  })

  it('datetime: the mtime keeps its nanoseconds through parse and format', () => {
    const value = parseJson(str(example('core-mtime.json'))) as { mtime: string }
    const ns = parseTimestamp(value.mtime)
    expect(ns).toBe(1396182929113243778n)
    expect(formatTimestamp(ns)).toBe('2014-03-30T12:35:29.113243778Z')
  })
})

describe('lenient reading (docs/protocol-notes/wire.md)', () => {
  it('accepts CRLF after chunk lengths and between elements, and whitespace before a signature', () => {
    const stream = 's12:4{"type":"x"}\r\nAAAA\r\n!12{"type":"y"}\r\n3\r\nabc\r\n0\r\n\r\n'
    const [s, bang] = decodeBytes(new TextEncoder().encode(stream))
    expect(s!.message.signature).toBe('AAAA')
    expect(str(bang!.payload!)).toBe('abc')
  })
})
