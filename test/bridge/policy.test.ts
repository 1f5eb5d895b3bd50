import { describe, expect, it } from 'vitest'
import { DialPolicy, DialRefusedError, parseCidr, parseTcpAddress } from '../../bridge/policy'
import { PeerAddressError } from '../../src/protocol/tracker/addresses'

const none = new Set<string>()

function refusalOf(address: string): unknown {
  try {
    parseTcpAddress(address)
  } catch (err) {
    return err
  }
  throw new Error(`${address} was taken`)
}

describe('what the bridge dials', () => {
  const strict = new DialPolicy({ allow: [], allowPrivate: [] })
  const tests = new DialPolicy({ allow: ['203.0.113.0/24'], allowPrivate: ['127.0.0.0/8'] })

  it.each([
    // address, published, policy, refusal (undefined: dialled)
    ['tcp:8.8.8.8:49211', true, strict, undefined],
    ['tcp:[2001:4860::8888]:49211', true, strict, undefined],
    ['tcp:8.8.8.8:49211', false, strict, /not published/],
    ['tcp:127.0.0.1:49211', true, strict, /loopback, private/],
    ['tcp:10.1.2.3:22', true, strict, /loopback, private/],
    ['tcp:192.168.1.1:80', true, strict, /loopback, private/],
    ['tcp:169.254.169.254:80', true, strict, /loopback, private/],
    ['tcp:[::1]:49211', true, strict, /loopback, private/],
    ['tcp:[fe80::1]:49211', true, strict, /loopback, private/],
    ['tcp:[::ffff:127.0.0.1]:49211', true, strict, /loopback, private/],
    ['tcp:0.0.0.0:49211', true, strict, /loopback, private/],
    // IPv6 forms that lead to an IPv4 address: refused when that address would be.
    ['tcp:[::ffff:7f00:1]:49211', true, strict, /loopback, private/],
    ['tcp:[::ffff:a00:1]:22', true, strict, /loopback, private/],
    ['tcp:[64:ff9b::7f00:1]:49211', true, strict, /private or reserved range \(it leads to 127\.0\.0\.1/],
    ['tcp:[64:ff9b::a00:1]:22', true, strict, /it leads to 10\.0\.0\.1 through NAT64/],
    ['tcp:[64:FF9B::192.168.1.1]:80', true, strict, /it leads to 192\.168\.1\.1/],
    ['tcp:[64:ff9b::808:808]:49211', true, strict, undefined],
    ['tcp:[64:ff9b:1::a00:1]:22', true, strict, /loopback, private/],
    ['tcp:[64:ff9b:1::808:808]:49211', true, strict, /loopback, private/],
    ['tcp:[2002:a00:1::1]:22', true, strict, /it leads to 10\.0\.0\.1/],
    ['tcp:[2002:a9fe:a9fe::]:80', true, strict, /it leads to 169\.254\.169\.254/],
    ['tcp:[2002:808:808::1]:49211', true, strict, undefined],
    ['tcp:[::a00:1]:22', true, strict, /loopback, private/],
    ['tcp:[::127.0.0.1]:49211', true, strict, /loopback, private/],
    ['tcp:[::808:808]:49211', true, strict, /loopback, private/],
    // Allowing private IPv4 ranges does not allow reaching them through a translator.
    ['tcp:[64:ff9b::7f00:1]:49211', true, tests, /it leads to 127\.0\.0\.1/],
    ['tcp:127.0.0.1:49211', true, tests, undefined],
    ['tcp:127.0.0.1:49211', false, tests, /not published/],
    ['tcp:10.1.2.3:22', true, tests, /loopback, private/],
    ['tcp:203.0.113.9:1', false, tests, undefined],
    ['tcp:example.com:49211', true, strict, /not a tcp:IP:PORT/],
    ['utp:8.8.8.8:49211', true, strict, /not a tcp:IP:PORT/],
    ['tcp:8.8.8.8:0', true, strict, /not a tcp:IP:PORT/],
    ['tcp:8.8.8.8:65536', true, strict, /not a tcp:IP:PORT/],
    ['tcp:[8.8.8.8]:1', true, strict, /not an IP address/],
    // The tracker's syntax (addresses.ts) decides these; the bridge then wants an IP literal.
    ['tcp:8.8.8.8:65535', true, strict, undefined],
    ['tcp:[2001:4860::8888]:1', true, strict, undefined],
    [
      'tcp:localhost:49211',
      true,
      strict,
      /"localhost" is not an IP address \(the bridge dials IP literals only\)/,
    ],
    ['tcp:[abc]:49211', true, strict, /"\[abc\]" is not an IP address/],
    ['tcp:2001:4860::8888:49211', true, strict, /^not a tcp:IP:PORT address: "tcp:2001:4860::8888:49211"$/],
    ['tcp:[2001:4860::8888]', true, strict, /^not a tcp:IP:PORT address/],
    ['tcp:8.8.8.8:123456', true, strict, /^not a tcp:IP:PORT address/],
    ['tcp:[2001:4860::8888%eth0]:1', true, strict, /^not a tcp:IP:PORT address/],
    ['tcp:999.1.1.1:1', true, strict, /not an IP address/],
  ] as const)('%s (published: %s)', (address, published, policy, refusal) => {
    if (refusal) expect(() => policy.check(address, published, none)).toThrow(refusal)
    else expect(policy.check(address, published, none).port).toBeGreaterThan(0)
  })

  it.each(['tcp:8.8.8.8:0', 'tcp:localhost:1', 'tcp:[8.8.8.8]:1'])(
    'refuses %s with its own error, whichever rule it breaks',
    (address) => {
      const refusal = refusalOf(address)
      expect(refusal).toBeInstanceOf(DialRefusedError)
      expect(refusal).toHaveProperty('code', 'ERR_BRIDGE_DIAL_REFUSED')
    },
  )

  it("keeps the tracker parser's refusal as the cause of a syntax refusal", () => {
    expect((refusalOf('tcp:8.8.8.8:65536') as Error).cause).toBeInstanceOf(PeerAddressError)
  })

  it('writes an IPv6 host in lower case, as the ranges and its own address are', () => {
    expect(parseTcpAddress('tcp:[2001:4860::ABCD]:5')).toEqual({
      host: '2001:4860::abcd',
      port: 5,
      family: 'ipv6',
    })
  })

  it('never dials itself, allowed or not', () => {
    expect(() => tests.check('tcp:127.0.0.1:4000', true, new Set(['127.0.0.1:4000']))).toThrow(
      /the bridge itself/,
    )
    expect(() => tests.check('tcp:[::ffff:7f00:1]:4000', true, new Set(['127.0.0.1:4000']))).toThrow(
      /the bridge itself/,
    )
  })

  it.each(['::FFFF:8.8.4.4', '::ffff:808:404', '0:0:0:0:0:ffff:0808:0404'])(
    'reads IPv4-mapped %s as IPv4',
    (ip) => {
      expect(parseTcpAddress(`tcp:[${ip}]:5`)).toEqual({ host: '8.8.4.4', port: 5, family: 'ipv4' })
    },
  )

  it.each(['10.0.0.0/33', '10.0.0.0/x', 'fe80::/129', 'nonsense', '10.0.0.0/'])(
    'refuses the range %s',
    (text) => {
      expect(() => parseCidr(text)).toThrow(/not a CIDR/)
    },
  )
})
