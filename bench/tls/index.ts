/**
 * TLS benchmark (issue 3): our TLS-SRP throughput over loopback TCP against Node's own `tls` with
 * AES128-SHA (CBC + HMAC-SHA1, the construction ours uses) and with AES-128-GCM, and our handshake
 * time with the 2048-bit group. Run: `npx tsx bench/tls/index.ts [MiB] [rounds]`.
 * Targets: ours at least half of Node's AES128-SHA; a handshake under 150 ms.
 *
 * Both ends run in this process, one direction, 64 KiB writes. The machine is shared, so each
 * figure is the median of a few interleaved rounds, with the process CPU time per MiB beside it
 * (steadier than MB/s under load). `npm run bench -- tls [MiB] [rounds]` runs it too. Ours is
 * measured on WebCrypto (as in a browser) and on node:crypto (as the daemon runs it), with the
 * daemon's Node flags. One more line puts the gzip extension's framing over ours (node:crypto,
 * AES-128, the suite peers prefer) in 1 MiB writes of random data, as the daemon sends a file that does not compress.
 */
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import tls from 'node:tls'
import { connectTcp, listenTcp } from '../../src/platform/node/tcp-stream'
import {
  TLS_SRP_SHA_WITH_AES_128_CBC_SHA,
  TLS_SRP_SHA_WITH_AES_256_CBC_SHA,
  type TlsSession,
  acceptTls,
  connectTls,
  webCryptoRecords,
} from '../../src/protocol/tls/index'
import { nodeRecordCrypto } from '../../src/platform/node/record-crypto'
import { nodeZlibCodec } from '../../src/platform/node/zlib-codec'
import { adaptiveZlib } from '../../src/engine/adaptive-zlib'
import { runWithDaemonFlags } from '../daemon-flags'
import { PASSWORD, type Run, SECRET, USER, WRITE_BYTES, counter, measure, ours } from './measure'

// Ours and Node's own tls alike run with the daemon's Node flags, as the daemon runs our TLS.
runWithDaemonFlags()

const TOTAL_MIB = Number(process.argv[2] ?? 64)
const ROUNDS = Number(process.argv[3] ?? 3)
const TOTAL_BYTES = TOTAL_MIB * 1024 * 1024
const HANDSHAKES = 20

/** The same with Node's tls, TLS 1.2, one cipher suite, a throwaway self-signed certificate. */
async function node(ciphers: string, key: Buffer, cert: Buffer): Promise<Run & { cipher: string }> {
  const count = counter(TOTAL_BYTES)
  const server = tls.createServer(
    { key, cert, ciphers, minVersion: 'TLSv1.2', maxVersion: 'TLSv1.2' },
    (socket) => socket.on('data', (c: Buffer) => count.add(c.length)),
  )
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  const port = typeof address === 'object' && address ? address.port : 0
  const socket = tls.connect({
    host: '127.0.0.1',
    port,
    ciphers,
    maxVersion: 'TLSv1.2',
    rejectUnauthorized: false,
  })
  await new Promise<void>((resolve) => socket.once('secureConnect', resolve))
  const cipher = socket.getCipher().name
  const run = await measure(
    async () => {
      for (let sent = 0; sent < TOTAL_BYTES; sent += WRITE_BYTES) {
        if (!socket.write(Buffer.alloc(WRITE_BYTES)))
          await new Promise((resolve) => socket.once('drain', resolve))
      }
    },
    count.done,
    TOTAL_BYTES,
  )
  socket.destroy()
  await new Promise((resolve) => server.close(resolve))
  return { ...run, cipher }
}

/** Median time of a TCP connect + TLS-SRP handshake, both ends in this process. */
async function handshakeMedianMs(): Promise<number> {
  const listener = await listenTcp('127.0.0.1', 0, (tcp) => {
    void acceptTls(tcp, { lookup: async () => ({ password: PASSWORD }), secret: SECRET }).then(
      (s: TlsSession) => s.stream.close(),
      () => {},
    )
  })
  const times: number[] = []
  for (let i = 0; i < HANDSHAKES + 3; i++) {
    const t = performance.now()
    const session = await connectTls(await connectTcp('127.0.0.1', listener.port), {
      username: USER,
      password: PASSWORD,
    })
    if (i >= 3) times.push(performance.now() - t) // the first few warm the JIT up
    session.stream.close()
  }
  await listener.close()
  times.sort((a, b) => a - b)
  return times[times.length >> 1] as number
}

function selfSignedCertificate(): { key: Buffer; cert: Buffer } {
  const dir = mkdtempSync(join(tmpdir(), 'clearskies-bench-tls-'))
  try {
    const [keyFile, certFile] = [join(dir, 'key.pem'), join(dir, 'cert.pem')]
    const args = ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=localhost']
    execFileSync('openssl', [...args, '-keyout', keyFile, '-out', certFile], { stdio: 'ignore' })
    return { key: readFileSync(keyFile), cert: readFileSync(certFile) }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

/** The run with the median throughput. */
function median(runs: Run[]): Run {
  return [...runs].sort((a, b) => a.mbps - b.mbps)[runs.length >> 1] as Run
}

const { key, cert } = selfSignedCertificate()
const PRIMITIVES = [webCryptoRecords, nodeRecordCrypto]
const SUITES = [TLS_SRP_SHA_WITH_AES_128_CBC_SHA, TLS_SRP_SHA_WITH_AES_256_CBC_SHA]
const oursRuns = new Map<string, Run[]>()
const results = { cbc: [] as Run[], gcm: [] as Run[] }
let names = { cbc: '', gcm: '' }
for (let round = 0; round < ROUNDS; round++) {
  for (const records of PRIMITIVES) {
    for (const suite of SUITES) {
      const label = `ours ${suite.name} (EtM), ${records.name}`
      oursRuns.set(label, [...(oursRuns.get(label) ?? []), await ours(suite, TOTAL_BYTES, records)])
    }
    if (records === nodeRecordCrypto) {
      // The daemon's sync of a file that does not compress: its gzip framing's cost on top of TLS.
      const label = `ours ${TLS_SRP_SHA_WITH_AES_128_CBC_SHA.name} (EtM), ${records.name}, gzip stored`
      const run = await ours(
        TLS_SRP_SHA_WITH_AES_128_CBC_SHA,
        TOTAL_BYTES,
        records,
        adaptiveZlib(nodeZlibCodec),
      )
      oursRuns.set(label, [...(oursRuns.get(label) ?? []), run])
    }
    const cbc = await node('AES128-SHA', key, cert)
    results.cbc.push(cbc)
    names = { ...names, cbc: cbc.cipher }
  }
  const gcm = await node('ECDHE-RSA-AES128-GCM-SHA256', key, cert)
  results.gcm.push(gcm)
  names = { ...names, gcm: gcm.cipher }
}
const handshake = await handshakeMedianMs()
const row = (label: string, r: Run): string =>
  `  ${label.padEnd(60)} ${r.mbps.toFixed(0).padStart(5)} MB/s  ${r.cpuMsPerMib.toFixed(1).padStart(5)} ms CPU/MiB`
const cbc = median(results.cbc)
console.log(
  `loopback TCP, ${TOTAL_MIB} MiB one way in ${WRITE_BYTES / 1024} KiB writes, median of ${ROUNDS} interleaved rounds`,
)
for (const [label, runs] of oursRuns) console.log(row(label, median(runs)))
console.log(row(`node ${names.cbc}`, cbc))
console.log(row(`node ${names.gcm}`, median(results.gcm)))
for (const records of PRIMITIVES) {
  const ours128 = median(
    oursRuns.get(`ours ${TLS_SRP_SHA_WITH_AES_128_CBC_SHA.name} (EtM), ${records.name}`) ?? [],
  )
  console.log(
    `  ours AES-128 on ${records.name} / node ${names.cbc}: ${(ours128.mbps / cbc.mbps).toFixed(2)} (target >= 0.5)`,
  )
}
console.log(
  `handshake, 2048-bit group, TCP connect included, median of ${HANDSHAKES}: ${handshake.toFixed(1)} ms (target < 150 ms)`,
)
