import { describe, expect, it } from 'vitest'
import { DialPolicy, parseCidr, parseTcpAddress } from '../../bridge/policy'

const none = new Set<string>()

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
    ['tcp:999.1.1.1:1', true, strict, /not an IP address/],
  ] as const)('%s (published: %s)', (address, published, policy, refusal) => {
    if (refusal) expect(() => policy.check(address, published, none)).toThrow(refusal)
    else expect(policy.check(address, published, none).port).toBeGreaterThan(0)
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
