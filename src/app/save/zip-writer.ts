/**
 * A streaming ZIP writer for "save this folder": entries are stored (no compression: photos and
 * videos do not shrink, and storing keeps it fast), each followed by a data descriptor with its
 * CRC-32, so a file is read once, in chunks, straight into the output. Nothing is held but the
 * central directory's few bytes per entry. ZIP64 fields appear where a size or an offset passes
 * 4 GiB, or where there are more than 65535 entries (APPNOTE.TXT 4.3, 4.4, 4.5.3).
 */
import { crc32 } from './crc32'

export interface ZipEntry {
  /** The path inside the archive, `/`-separated, without a leading `/`; a folder ends in `/`. */
  readonly path: string
  /** The bytes to store (none for a folder). */
  readonly data?: ReadableStream<Uint8Array>
  /** Announced size, used to decide on ZIP64 up front; the written size is checked against it. */
  readonly size: number
  readonly modified: Date
}

export interface ZipOptions {
  /** Writes ZIP64 fields for every entry, whatever its size: lets a test check them without 4 GiB. */
  readonly forceZip64?: boolean
}

const MAX_32 = 0xffffffff
const MAX_16 = 0xffff
const VERSION_ZIP64 = 45
const VERSION_DEFAULT = 20
/** Bit 3: sizes and CRC follow in a data descriptor; bit 11: the name is UTF-8. */
const FLAGS = (1 << 3) | (1 << 11)

interface Written {
  readonly name: Uint8Array
  readonly crc: number
  readonly size: number
  readonly offset: number
  readonly dosTime: number
  readonly dosDate: number
  readonly zip64: boolean
  readonly folder: boolean
}

/** The archive of `entries` as a byte stream, produced as fast as the reader takes it. */
export function zipStream(
  entries: AsyncIterable<ZipEntry>,
  options: ZipOptions = {},
): ReadableStream<Uint8Array> {
  const iterator = entries[Symbol.asyncIterator]()
  const written: Written[] = []
  let offset = 0
  let current:
    | {
        entry: ZipEntry
        reader: ReadableStreamDefaultReader<Uint8Array> | undefined
        crc: number
        size: number
        name: Uint8Array
        zip64: boolean
      }
    | undefined
  let finished = false

  const emit = (controller: ReadableStreamDefaultController<Uint8Array>, bytes: Uint8Array): void => {
    offset += bytes.length
    controller.enqueue(bytes)
  }

  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        if (finished) return
        if (!current) {
          const next = await iterator.next()
          if (next.done) {
            emit(controller, centralDirectory(written, offset, options.forceZip64 ?? false))
            finished = true
            controller.close()
            return
          }
          const entry = next.value
          const name = new TextEncoder().encode(entry.path)
          const zip64 = options.forceZip64 === true || entry.size >= MAX_32 || offset >= MAX_32
          const { time, date } = dosDateTime(entry.modified)
          written.push({
            name,
            crc: 0,
            size: 0,
            offset,
            dosTime: time,
            dosDate: date,
            zip64,
            folder: entry.path.endsWith('/'),
          })
          emit(controller, localHeader(name, time, date, zip64))
          current = { entry, reader: entry.data?.getReader(), crc: 0, size: 0, name, zip64 }
          return
        }
        const chunk = current.reader ? await current.reader.read() : { done: true as const, value: undefined }
        if (!chunk.done) {
          current.crc = crc32(chunk.value, current.crc)
          current.size += chunk.value.length
          emit(controller, chunk.value)
          return
        }
        if (current.size !== current.entry.size) {
          throw new Error(
            `${current.entry.path} changed while it was being saved: expected ${current.entry.size} bytes, read ${current.size}`,
          )
        }
        const last = written[written.length - 1]!
        written[written.length - 1] = { ...last, crc: current.crc, size: current.size }
        emit(controller, dataDescriptor(current.crc, current.size, current.zip64))
        current = undefined
      },
      async cancel(reason) {
        await current?.reader?.cancel(reason)
        await iterator.return?.()
      },
    },
    { highWaterMark: 0 },
  )
}

function localHeader(name: Uint8Array, time: number, date: number, zip64: boolean): Uint8Array {
  // Sizes go in the data descriptor; a ZIP64 entry says so with 0xFFFFFFFF and an extra field.
  const extra = zip64 ? zip64Extra([0, 0]) : new Uint8Array(0)
  const out = new Bytes(30 + name.length + extra.length)
  out
    .u32(0x04034b50)
    .u16(zip64 ? VERSION_ZIP64 : VERSION_DEFAULT)
    .u16(FLAGS)
    .u16(0)
    .u16(time)
    .u16(date)
  out
    .u32(0)
    .u32(zip64 ? MAX_32 : 0)
    .u32(zip64 ? MAX_32 : 0)
    .u16(name.length)
    .u16(extra.length)
  return out.bytes(name).bytes(extra).done()
}

function dataDescriptor(crc: number, size: number, zip64: boolean): Uint8Array {
  const out = new Bytes(zip64 ? 24 : 16)
  out.u32(0x08074b50).u32(crc)
  if (zip64) out.u64(size).u64(size)
  else out.u32(size).u32(size)
  return out.done()
}

function centralDirectory(entries: readonly Written[], start: number, forceZip64: boolean): Uint8Array {
  const records: Uint8Array[] = []
  for (const e of entries) {
    const bigSize = e.size >= MAX_32 || e.zip64
    const bigOffset = e.offset >= MAX_32 || e.zip64
    const fields = [...(bigSize ? [e.size, e.size] : []), ...(bigOffset ? [e.offset] : [])]
    const extra = fields.length > 0 ? zip64Extra(fields) : new Uint8Array(0)
    const version = fields.length > 0 ? VERSION_ZIP64 : VERSION_DEFAULT
    const out = new Bytes(46 + e.name.length + extra.length)
    out.u32(0x02014b50).u16(version).u16(version).u16(FLAGS).u16(0).u16(e.dosTime).u16(e.dosDate).u32(e.crc)
    out
      .u32(bigSize ? MAX_32 : e.size)
      .u32(bigSize ? MAX_32 : e.size)
      .u16(e.name.length)
      .u16(extra.length)
      .u16(0)
    // External attributes: the MS-DOS directory bit for folders, so every unzip makes a folder.
    out
      .u16(0)
      .u16(0)
      .u32(e.folder ? 0x10 : 0)
      .u32(bigOffset ? MAX_32 : e.offset)
    records.push(out.bytes(e.name).bytes(extra).done())
  }
  const size = records.reduce((n, r) => n + r.length, 0)
  const zip64 = forceZip64 || entries.length > MAX_16 || start >= MAX_32 || size >= MAX_32
  const tail: Uint8Array[] = []
  if (zip64) {
    const record = new Bytes(56)
    record.u32(0x06064b50).u64(44).u16(VERSION_ZIP64).u16(VERSION_ZIP64).u32(0).u32(0)
    record.u64(entries.length).u64(entries.length).u64(size).u64(start)
    const locator = new Bytes(20)
    locator
      .u32(0x07064b50)
      .u32(0)
      .u64(start + size)
      .u32(1)
    tail.push(record.done(), locator.done())
  }
  const end = new Bytes(22)
  const count = zip64 ? MAX_16 : entries.length
  end
    .u32(0x06054b50)
    .u16(0)
    .u16(0)
    .u16(count)
    .u16(count)
    .u32(zip64 ? MAX_32 : size)
    .u32(zip64 ? MAX_32 : start)
    .u16(0)
  tail.push(end.done())
  return concat([...records, ...tail])
}

/** The ZIP64 extended information extra field (header 0x0001) with 8-byte values. */
function zip64Extra(values: readonly number[]): Uint8Array {
  const out = new Bytes(4 + values.length * 8)
  out.u16(0x0001).u16(values.length * 8)
  for (const v of values) out.u64(v)
  return out.done()
}

/** MS-DOS time and date, local time, two-second resolution; 1980 is the earliest it can say. */
function dosDateTime(d: Date): { time: number; date: number } {
  const year = Math.max(1980, d.getFullYear())
  return {
    time: (d.getHours() << 11) | (d.getMinutes() << 5) | (d.getSeconds() >> 1),
    date: ((year - 1980) << 9) | ((d.getMonth() + 1) << 5) | d.getDate(),
  }
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
  let at = 0
  for (const p of parts) {
    out.set(p, at)
    at += p.length
  }
  return out
}

/** Little-endian field writer over a buffer of known size. */
class Bytes {
  private readonly buffer: Uint8Array
  private readonly view: DataView
  private at = 0

  constructor(size: number) {
    this.buffer = new Uint8Array(size)
    this.view = new DataView(this.buffer.buffer)
  }

  u16(v: number): this {
    this.view.setUint16(this.at, v, true)
    this.at += 2
    return this
  }

  u32(v: number): this {
    this.view.setUint32(this.at, v >>> 0, true)
    this.at += 4
    return this
  }

  u64(v: number): this {
    this.view.setBigUint64(this.at, BigInt(v), true)
    this.at += 8
    return this
  }

  bytes(b: Uint8Array): this {
    this.buffer.set(b, this.at)
    this.at += b.length
    return this
  }

  done(): Uint8Array {
    return this.buffer
  }
}
