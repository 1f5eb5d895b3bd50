/** PEM (RFC 7468): base64 DER between BEGIN and END lines, 64 characters a line. */
import { decodeBase64, encodeBase64 } from '../wire/base64'
import { AccessError, AccessErrorCode } from './errors'

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/
const LINE_CHARS = 64

export function encodePem(label: string, der: Uint8Array): string {
  const base64 = encodeBase64(der)
  const lines: string[] = []
  for (let i = 0; i < base64.length; i += LINE_CHARS) lines.push(base64.slice(i, i + LINE_CHARS))
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`
}

/** The first PEM block in the text; whitespace and CRLF line ends inside it are ignored. */
export function decodePem(text: string): { label: string; der: Uint8Array } {
  const block = PEM_BLOCK.exec(text)
  if (!block)
    throw new AccessError(AccessErrorCode.Key, 'no PEM block (-----BEGIN …----- … -----END …-----) found')
  const der = decodeBase64(block[2]!.replace(/\s+/g, ''))
  if (!der) throw new AccessError(AccessErrorCode.Key, `the ${block[1]} PEM block is not valid base64`)
  return { label: block[1]!, der }
}
