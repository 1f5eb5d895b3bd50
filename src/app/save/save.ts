/**
 * Saving out of a share: one file, or a folder as a zip. Where the browser can write to a file the
 * person picks, the bytes stream there; otherwise the browser downloads them. A single file is a
 * File backed by browser storage, so its download is never copied into memory; a zip without a
 * picker becomes a Blob of its chunks, which Chromium keeps on disk once it grows large.
 */
import { canPickSaveFile, pickSaveTarget } from '../file-access'
import { zipStream, type ZipEntry } from './zip-writer'

export type SaveOutcome = 'saved' | 'downloaded' | 'cancelled'

export async function saveFile(file: File, name: string): Promise<SaveOutcome> {
  if (canPickSaveFile()) {
    const target = await pickSaveTarget(name)
    if (!target) return 'cancelled'
    await file.stream().pipeTo(target)
    return 'saved'
  }
  download(file, name)
  return 'downloaded'
}

export async function saveZip(entries: AsyncIterable<ZipEntry>, name: string): Promise<SaveOutcome> {
  if (canPickSaveFile()) {
    const target = await pickSaveTarget(name)
    if (!target) return 'cancelled'
    await zipStream(entries).pipeTo(target)
    return 'saved'
  }
  const parts: Uint8Array<ArrayBuffer>[] = []
  await zipStream(entries).pipeTo(
    new WritableStream({ write: (chunk) => void parts.push(chunk as Uint8Array<ArrayBuffer>) }),
  )
  download(new Blob(parts, { type: 'application/zip' }), name)
  return 'downloaded'
}

function download(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob)
  const a = document.createElement('a')
  a.href = url
  a.download = name
  a.rel = 'noopener'
  document.body.append(a)
  a.click()
  a.remove()
  // The download has its own reference by now; the URL only has to outlive the click.
  setTimeout(() => URL.revokeObjectURL(url), 60_000)
}
