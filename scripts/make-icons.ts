/**
 * Draws the app icons (a white cloud on a sky gradient) straight into PNG files, so the icons are
 * reproducible from source with no image tools: `npx tsx scripts/make-icons.ts`.
 * The maskable icon keeps the cloud inside the central 80% safe zone and fills to the edges.
 */
import { writeFileSync, mkdirSync } from 'node:fs'
import { deflateSync } from 'node:zlib'

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
  return c >>> 0
})

function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff]! ^ (c >>> 8)
  return (c ^ 0xffffffff) >>> 0
}

function chunk(type: string, data: Uint8Array): Buffer {
  const head = Buffer.alloc(8)
  head.writeUInt32BE(data.length, 0)
  head.write(type, 4, 'ascii')
  const crc = Buffer.alloc(4)
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0)
  return Buffer.concat([head, data, crc])
}

function png(size: number, pixel: (x: number, y: number) => [number, number, number, number]): Buffer {
  const raw = Buffer.alloc(size * (size * 4 + 1))
  for (let y = 0; y < size; y++) {
    raw[y * (size * 4 + 1)] = 0 // filter: none
    for (let x = 0; x < size; x++) {
      const [r, g, b, a] = pixel(x, y)
      raw.set([r, g, b, a], y * (size * 4 + 1) + 1 + x * 4)
    }
  }
  const ihdr = Buffer.alloc(13)
  ihdr.writeUInt32BE(size, 0)
  ihdr.writeUInt32BE(size, 4)
  ihdr.set([8, 6, 0, 0, 0], 8) // 8-bit RGBA
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw, { level: 9 })),
    chunk('IEND', new Uint8Array()),
  ])
}

/** Coverage in [0, 1] of a cloud made of circles, in unit coordinates centred on 0.5. */
function cloud(u: number, v: number, scale: number): number {
  const circles: Array<[number, number, number]> = [
    [0.36, 0.56, 0.15],
    [0.52, 0.46, 0.2],
    [0.67, 0.57, 0.14],
  ]
  const su = (u - 0.5) / scale + 0.5
  const sv = (v - 0.5) / scale + 0.5
  const inCircle = circles.some(([cx, cy, r]) => (su - cx) ** 2 + (sv - cy) ** 2 <= r * r)
  const inBase = su >= 0.36 && su <= 0.67 && sv >= 0.56 && sv <= 0.71
  return inCircle || inBase ? 1 : 0
}

function icon(size: number, maskable: boolean): Buffer {
  const samples = 4 // supersampling for smooth edges
  return png(size, (x, y) => {
    let white = 0
    let inside = 0
    for (let sy = 0; sy < samples; sy++) {
      for (let sx = 0; sx < samples; sx++) {
        const u = (x + (sx + 0.5) / samples) / size
        const v = (y + (sy + 0.5) / samples) / size
        const r = 0.5 - Math.max(Math.abs(u - 0.5), Math.abs(v - 0.5))
        const corner = Math.hypot(
          Math.max(0, Math.abs(u - 0.5) - 0.32),
          Math.max(0, Math.abs(v - 0.5) - 0.32),
        )
        const inTile = maskable || (r >= 0 && corner <= 0.18)
        if (!inTile) continue
        inside++
        white += cloud(u, v, maskable ? 0.8 : 1)
      }
    }
    const n = samples * samples
    const t = y / size
    const sky: [number, number, number] = [
      Math.round(30 + 40 * t),
      Math.round(120 + 50 * t),
      Math.round(220 - 10 * t),
    ]
    const w = inside ? white / inside : 0
    const mix = (c: number) => Math.round(c * (1 - w) + 255 * w)
    return [mix(sky[0]), mix(sky[1]), mix(sky[2]), Math.round((inside / n) * 255)]
  })
}

mkdirSync('public/icons', { recursive: true })
writeFileSync('public/icons/icon-192.png', icon(192, false))
writeFileSync('public/icons/icon-512.png', icon(512, false))
writeFileSync('public/icons/maskable-512.png', icon(512, true))
writeFileSync('public/icons/apple-touch-icon.png', icon(180, true))
writeFileSync('public/favicon.png', icon(64, false))
console.log('icons written to public/icons and public/favicon.png')
