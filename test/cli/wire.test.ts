/** `clearskies wire decode`, on the draft's examples and on broken streams. */
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { deflateSync } from 'node:zlib'
import { describe, expect, it } from 'vitest'
import { runCli } from './run-cli'

const example = (name: string): Buffer => readFileSync(new URL(`../testdata/wire/${name}`, import.meta.url))
const lines = (stdout: string): unknown[] =>
  stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as unknown)

describe('clearskies wire decode', () => {
  it('prints one line per message: type, prefix, body, signature present, payload length and SHA-256', async () => {
    const stream = Buffer.concat([
      example('core-m82-compact.bin'),
      example('core-bang44.bin'),
      example('core-dollar27.bin'),
    ])
    const result = await runCli(['wire', 'decode'], stream)
    expect(result.stderr).toBe('')
    expect(result.code).toBe(0)
    const payload = 'This is just text, but could be binary data!\nThis is more binary data\n'
    expect(lines(result.stdout)).toEqual([
      {
        offset: 0,
        prefix: 'm',
        type: 'foo',
        body: { type: 'foo', message: 'Basic example message', declaration: 'For great justice' },
        signed: false,
        payload: null,
      },
      {
        offset: 86,
        prefix: '!',
        type: 'file_data',
        body: { type: 'file_data', path: 'test/file.txt' },
        signed: false,
        payload: { bytes: 70, sha256: createHash('sha256').update(payload).digest('hex') },
      },
      {
        offset: 211,
        prefix: '$',
        type: 'foo',
        body: { type: 'foo', arg: 'bar' },
        signed: true,
        payload: {
          bytes: 40,
          sha256: createHash('sha256').update('Another example of possibly binary data\n').digest('hex'),
        },
      },
    ])
  })

  it('keeps 64-bit integers exact in the printed body', async () => {
    const json = '{"type":"x","size":3762440519426216896,"n":1.5}\n'
    const result = await runCli(['wire', 'decode'], `m${json.length}${json}`)
    expect(result.stdout).toContain('"size":3762440519426216896')
  })

  it('prints the messages before a fault, then the fault with its byte offset, and exits 1', async () => {
    const result = await runCli(
      ['wire', 'decode'],
      Buffer.concat([example('core-s27.bin'), Buffer.from('m5{"ty')]),
    )
    expect(result.code).toBe(1)
    expect(lines(result.stdout)).toHaveLength(1)
    expect(result.stderr).toBe(
      "clearskies: wire decode: ERR_WIRE_TRUNCATED: the stream ended inside the body of the 'm' message that began at byte 98 (at byte 104)\n",
    )
  })

  it('--gzip reads the gzip extension frames', async () => {
    const plain = example('core-bang44.bin')
    const half = 50
    const frames = [plain.subarray(0, half), plain.subarray(half)].map((part) => {
      const z = deflateSync(part)
      return Buffer.concat([Buffer.from(`${z.byteLength}:`), z])
    })
    const result = await runCli(['wire', 'decode', '--gzip'], Buffer.concat(frames))
    expect(result.code).toBe(0)
    expect(lines(result.stdout)).toMatchObject([{ prefix: '!', type: 'file_data', payload: { bytes: 70 } }])
  })
})
