/**
 * What the bridge may dial: not an open proxy (issue 9). An address is dialled only if the tracker
 * published it for an ID the asking browser registered with the bridge, or if an operator's
 * `--allow` range holds it. Loopback, private, link-local, multicast and reserved ranges are refused
 * even when published (a browser could register an ID and publish `tcp:10.0.0.1:22` itself), unless
 * `--allow` or `--allow-private` names them. Only IP literals: a host name would move the check to
 * a DNS answer the bridge does not control.
 */
import net from 'node:net'
import {
  parseTcpAddress as parseTrackerAddress,
  PeerAddressError,
  TCP_SCHEME,
  type TcpAddress,
} from '../src/protocol/tracker/addresses'

export interface TcpTarget extends TcpAddress {
  readonly family: 'ipv4' | 'ipv6'
}

export class DialRefusedError extends Error {
  readonly code = 'ERR_BRIDGE_DIAL_REFUSED'
}

/**
 * `tcp:1.2.3.4:5` or `tcp:[2001:db8::1]:5`, as core.md writes addresses: the tracker's syntax and
 * port rules (`parseTcpAddress` in addresses.ts), narrowed to IP literals, IPv4 bare and IPv6 in
 * brackets. IPv4-mapped IPv6 (`::ffff:0:0/96`, dotted or hex) is read as IPv4: the socket dials
 * that IPv4 address, so the ranges and the bridge's own address must be checked against it.
 */
export function parseTcpAddress(address: string): TcpTarget {
  const { host, port } = parsePeerAddress(address)
  // The tracker's syntax takes anything in brackets (`[8.8.8.8]`, `[abc]`) and gives the host
  // without them; the bridge takes only IPv6 there, so it asks how the host was written.
  const bracketed = address.startsWith(`${TCP_SCHEME}[`)
  const version = net.isIP(host)
  if (version !== (bracketed ? 6 : 4)) {
    const written = bracketed ? `[${host}]` : host
    throw new DialRefusedError(
      `not a tcp:IP:PORT address: ${JSON.stringify(written.slice(0, 64))} is not an IP address (the bridge dials IP literals only)`,
    )
  }
  if (version === 4) return { host, port, family: 'ipv4' }
  const groups = ipv6Groups(host)
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff)
    return { host: ipv4FromGroups(groups[6], groups[7]), port, family: 'ipv4' }
  return { host: host.toLowerCase(), port, family: 'ipv6' }
}

/**
 * The tracker's parse, its refusal made the bridge's: the session and the browser it answers see
 * ERR_BRIDGE_DIAL_REFUSED and the bridge's wording, with the tracker's error as the cause.
 */
function parsePeerAddress(address: string): TcpAddress {
  try {
    return parseTrackerAddress(address)
  } catch (err) {
    if (!(err instanceof PeerAddressError)) throw err
    throw new DialRefusedError(`not a tcp:IP:PORT address: ${JSON.stringify(address.slice(0, 64))}`, {
      cause: err,
    })
  }
}

/** The eight 16-bit groups of an address `net.isIP` accepted as IPv6. */
function ipv6Groups(address: string): number[] {
  const group = (high: string, low: string): string => ((Number(high) << 8) | Number(low)).toString(16)
  const hex = address.replace(
    /(\d+)\.(\d+)\.(\d+)\.(\d+)$/,
    (_quad, a: string, b: string, c: string, d: string) => `${group(a, b)}:${group(c, d)}`,
  )
  const [head = '', tail] = hex.split('::')
  const parse = (part: string): number[] => (part === '' ? [] : part.split(':').map((g) => parseInt(g, 16)))
  const front = parse(head)
  const back = tail === undefined ? [] : parse(tail)
  return [...front, ...Array<number>(8 - front.length - back.length).fill(0), ...back]
}

function ipv4FromGroups(high = 0, low = 0): string {
  return `${high >> 8}.${high & 0xff}.${low >> 8}.${low & 0xff}`
}

/**
 * The IPv4 address an IPv6 address leads to through a translator or tunnel on the bridge's
 * network: the NAT64 well-known prefix `64:ff9b::/96` (RFC 6052 section 2.2, the last 32 bits) and
 * 6to4 `2002::/16` (RFC 3056 section 2, bits 16 to 47). Other embedding prefixes are refused whole
 * (`SPECIAL_RANGES`), as their layout is the operator's choice.
 */
function embeddedIpv4(address: string): string | undefined {
  const groups = ipv6Groups(address)
  if (groups[0] === 0x2002) return ipv4FromGroups(groups[1], groups[2])
  if (groups[0] === 0x64 && groups[1] === 0xff9b && groups.slice(2, 6).every((g) => g === 0))
    return ipv4FromGroups(groups[6], groups[7])
  return undefined
}

/**
 * RFC 6890 special-purpose ranges, plus multicast: nothing a public ClearSkies peer listens on.
 * `::/96` holds the unspecified and loopback addresses and the deprecated IPv4-compatible ones
 * (RFC 4291 section 2.5.5.1), which some stacks still tunnel to the IPv4 address they embed.
 * `64:ff9b:1::/48` is local-use NAT64 (RFC 8215), whose embedding depends on the operator's prefix
 * length, so no address in it can be checked.
 */
const SPECIAL_RANGES: ReadonlyArray<readonly [string, number, 'ipv4' | 'ipv6']> = [
  ['0.0.0.0', 8, 'ipv4'],
  ['10.0.0.0', 8, 'ipv4'],
  ['100.64.0.0', 10, 'ipv4'],
  ['127.0.0.0', 8, 'ipv4'],
  ['169.254.0.0', 16, 'ipv4'],
  ['172.16.0.0', 12, 'ipv4'],
  ['192.0.0.0', 24, 'ipv4'],
  ['192.168.0.0', 16, 'ipv4'],
  ['198.18.0.0', 15, 'ipv4'],
  ['224.0.0.0', 3, 'ipv4'],
  ['::', 96, 'ipv6'],
  ['64:ff9b:1::', 48, 'ipv6'],
  ['fc00::', 7, 'ipv6'],
  ['fe80::', 10, 'ipv6'],
  ['ff00::', 8, 'ipv6'],
]

/** `10.0.0.0/8`, `::1/128`, or a bare address (a /32 or /128). */
export function parseCidr(text: string): readonly [string, number, 'ipv4' | 'ipv6'] {
  const [address = '', bits] = text.split('/')
  const version = net.isIP(address)
  const max = version === 4 ? 32 : 128
  const prefix = bits === undefined ? max : Number(bits)
  if (
    version === 0 ||
    !Number.isInteger(prefix) ||
    prefix < 0 ||
    prefix > max ||
    (bits !== undefined && !/^\d+$/.test(bits))
  ) {
    throw new Error(`not a CIDR range: ${JSON.stringify(text)}`)
  }
  return [address, prefix, version === 4 ? 'ipv4' : 'ipv6']
}

function blockList(ranges: ReadonlyArray<readonly [string, number, 'ipv4' | 'ipv6']>): net.BlockList {
  const list = new net.BlockList()
  for (const [address, prefix, family] of ranges) list.addSubnet(address, prefix, family)
  return list
}

export interface DialPolicyOptions {
  /** Dialled whether published or not, special ranges included. */
  readonly allow: readonly string[]
  /** Special ranges that may be dialled when published (the tests allow 127.0.0.0/8). */
  readonly allowPrivate: readonly string[]
}

export class DialPolicy {
  private readonly allow: net.BlockList
  private readonly allowPrivate: net.BlockList
  private readonly special = blockList(SPECIAL_RANGES)

  constructor(options: DialPolicyOptions) {
    this.allow = blockList(options.allow.map(parseCidr))
    this.allowPrivate = blockList(options.allowPrivate.map(parseCidr))
  }

  /**
   * The target to dial for `address`, or a DialRefusedError saying why not. `published` says
   * whether the tracker lists the address for the ID the browser named; `own` are the bridge's own
   * listening addresses (a dial there would loop back into the bridge).
   */
  check(address: string, published: boolean, own: ReadonlySet<string>): TcpTarget {
    const target = parseTcpAddress(address)
    const { host, family } = target
    if (own.has(`${host}:${target.port}`)) throw new DialRefusedError(`${address} is the bridge itself`)
    if (this.allow.check(host, family)) return target
    if (!published) throw new DialRefusedError(`${address} was not published by the tracker for that ID`)
    const embedded = family === 'ipv6' ? embeddedIpv4(host) : undefined
    const special =
      this.special.check(host, family) || (embedded !== undefined && this.special.check(embedded, 'ipv4'))
    if (special && !this.allowPrivate.check(host, family)) {
      const via = embedded === undefined ? '' : ` (it leads to ${embedded} through NAT64 or 6to4)`
      throw new DialRefusedError(`${address} is in a loopback, private or reserved range${via}`)
    }
    return target
  }
}
