/**
 * What a file is, by its name: the type a preview needs (files from browser storage carry no MIME
 * type of their own) and whether the browser can show it at all.
 */
const TYPES: Record<string, string> = {
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  webp: 'image/webp',
  avif: 'image/avif',
  svg: 'image/svg+xml',
  bmp: 'image/bmp',
  mp3: 'audio/mpeg',
  m4a: 'audio/mp4',
  ogg: 'audio/ogg',
  oga: 'audio/ogg',
  opus: 'audio/ogg',
  wav: 'audio/wav',
  flac: 'audio/flac',
  mp4: 'video/mp4',
  m4v: 'video/mp4',
  webm: 'video/webm',
  ogv: 'video/ogg',
  mov: 'video/quicktime',
  pdf: 'application/pdf',
  txt: 'text/plain',
  md: 'text/plain',
  csv: 'text/plain',
  log: 'text/plain',
  json: 'text/plain',
  xml: 'text/plain',
  yml: 'text/plain',
  yaml: 'text/plain',
  ini: 'text/plain',
  html: 'text/plain',
  css: 'text/plain',
  js: 'text/plain',
  ts: 'text/plain',
  py: 'text/plain',
  sh: 'text/plain',
}

export type PreviewKind = 'image' | 'audio' | 'video' | 'pdf' | 'text'

export function mimeTypeOf(name: string): string {
  const ext = name.slice(name.lastIndexOf('.') + 1).toLowerCase()
  return TYPES[ext] ?? 'application/octet-stream'
}

export function previewKindOf(name: string): PreviewKind | undefined {
  const type = mimeTypeOf(name)
  if (type === 'application/pdf') return 'pdf'
  const major = type.slice(0, type.indexOf('/'))
  return major === 'image' || major === 'audio' || major === 'video' || major === 'text' ? major : undefined
}

export function baseName(path: string): string {
  return path.replace(/\/$/, '').slice(path.replace(/\/$/, '').lastIndexOf('/') + 1)
}
