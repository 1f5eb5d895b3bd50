/**
 * Sync benchmark (issue 4, "Done when"): two fresh peers, each in its own process, sync over
 * loopback TCP with TLS-SRP (and gzip, as the Node platform offers it) one 1 GiB file, then 10,000
 * files of 1-8 KiB. Beside them, in the same run: raw loopback TCP throughput, our TLS throughput
 * (bench/tls's measuring code), `rsync -a` between two local folders, and Debian's Syncthing
 * between two instances over loopback (bench/sync/syncthing.ts), for the same data.
 * Run: `npx tsx bench/sync/index.ts [big MiB] [small files]` (defaults 1024 and 10000).
 * Ours (durable, gzip) and Syncthing are run alternately BENCH_ROUNDS times (3) on each set, as the
 * machine is shared and noisy: medians are printed, with the ratio of each round.
 * BENCH_PROFILE=DIR writes each peer's CPU profile there; BENCH_TRACE=1 prints the joiner's
 * progress four times a second; BENCH_NODE_FLAGS="--trace-gc ..." are given to both peers; BENCH_STRACE=DIR
 * counts each peer's system calls (strace -f -c) into DIR/peer-N.txt. BENCH_ONLY=big,big-lean,small,small-lean,syncthing runs only those
 * (and the TLS figure only with a big one): for profiling one case at a time. BENCH_BIG=text makes
 * the large file text (this repository's sources over and over), which the gzip extension compresses.
 * Targets: the 1 GiB file at >= 60% of our TLS throughput; both sets no slower than Syncthing;
 * 10,000 files in < 8 s; RSS < 300 MB.
 *
 * The sync time runs from the joiner entering the access code to the last file in place (the
 * sharer's scan is timed apart). Files are committed durably (fsync of each file and its folder),
 * as the engine does by default, and gzip is offered, as the Node platform does; each set is timed
 * again "lean" (neither), which is what rsync does and what shows the engine's own cost. Every
 * process of ours runs with the daemon's Node flags (daemon/node-flags.ts).
 */
import { execFileSync, fork, type ChildProcess } from 'node:child_process'
import { mkdir, mkdtemp, rm } from 'node:fs/promises'
import { createServer, connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DAEMON_NODE_FLAGS } from '../../daemon/node-flags'
import { nodeRecordCrypto } from '../../src/platform/node/record-crypto'
import { TLS_SRP_SHA_WITH_AES_128_CBC_SHA } from '../../src/protocol/tls/index'
import { runWithDaemonFlags } from '../daemon-flags'
import { ours } from '../tls/measure'
import { makeData } from './data'
import { syncthingRun, type SyncthingRun } from './syncthing'
import type { PeerCommand, PeerReply, Setup } from './peer'

const BIG_MIB = Number(process.argv[2] ?? 1024)
const SMALL_FILES = Number(process.argv[3] ?? 10_000)
const TCP_MIB = 1024
const TLS_MIB = 256
const MB = 1e6
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3)
/** BENCH_BIG=text: the large file is text (it compresses), not noise. */
const BIG_KIND = process.env.BENCH_BIG === 'text' ? 'text' : 'random'

// The peers run with the daemon's Node flags, and this process measures our TLS figure.
runWithDaemonFlags()

interface Peer {
  ask(command: PeerCommand): Promise<PeerReply>
}

let peersStarted = 0

function startPeer(): Peer {
  const execArgv = [
    '--import',
    'tsx',
    ...DAEMON_NODE_FLAGS,
    ...(process.env.BENCH_NODE_FLAGS?.split(' ').filter(Boolean) ?? []),
    ...(process.env.BENCH_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE}`] : []),
  ]
  // BENCH_STRACE=DIR: each peer runs under `strace -f -c`, its syscall counts in DIR/peer-N.txt (sharers odd, joiners even).
  const strace = process.env.BENCH_STRACE
  const traced = strace
    ? {
        execPath: 'strace',
        execArgv: [
          '-f',
          '-c',
          '-o',
          join(strace, `peer-${++peersStarted}.txt`),
          process.execPath,
          ...execArgv,
        ],
      }
    : { execArgv }
  const child: ChildProcess = fork(join(import.meta.dirname, 'peer.ts'), [], {
    ...traced,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  })
  return {
    ask: (command) =>
      new Promise((resolve, reject) => {
        child.once('message', (reply: PeerReply) =>
          reply.kind === 'failed' ? reject(new Error(reply.error)) : resolve(reply),
        )
        child.send(command)
      }),
  }
}

interface SyncRun {
  readonly scanMs: number
  readonly syncMs: number
  readonly bytes: number
  readonly files: number
  readonly rssMb: readonly [number, number]
  /** CPU time of each peer process from the start of the sync (every thread), its scan and start-up left out. */
  readonly cpuMs: readonly [number, number]
  /** The part of it spent in the kernel (file system calls, fsync, sockets). */
  readonly systemMs: readonly [number, number]
}

/** Two fresh peers: A shares `source`, B joins into an empty folder; timed until B has everything. */
async function syncOnce(
  source: string,
  work: string,
  setup: Setup = { durable: true, gzip: true },
): Promise<SyncRun> {
  const [a, b] = [startPeer(), startPeer()]
  const served = await a.ask({ cmd: 'serve', folder: source, state: join(work, 'state-a'), ...setup })
  if (served.kind !== 'serving') throw new Error('peer A did not serve')
  const target = join(work, 'target')
  await mkdir(target, { recursive: true })
  const joined = await b.ask({
    cmd: 'join',
    folder: target,
    state: join(work, 'state-b'),
    ...setup,
    code: served.code,
    address: served.address,
    files: served.files,
  })
  if (joined.kind !== 'joined') throw new Error('peer B did not join')
  const [sa, sb] = [await a.ask({ cmd: 'stop' }), await b.ask({ cmd: 'stop' })]
  const rss = (r: PeerReply): number => (r.kind === 'stopped' ? r.maxRssMb : Number.NaN)
  const cpu = (r: PeerReply): number => (r.kind === 'stopped' ? r.cpuMs : Number.NaN)
  const system = (r: PeerReply): number => (r.kind === 'stopped' ? r.systemMs : Number.NaN)
  // The synced folder stays until the whole benchmark is over: on this machine's ext4 (no journal),
  // creating a file skips every inode freed in the last seconds, and 10,000 files removed just
  // before the next run made its every create several times slower (the joiner's kernel time
  // went from 1 s to 4.5 s).
  return {
    scanMs: served.scanMs,
    syncMs: joined.ms,
    bytes: joined.bytes,
    files: served.files,
    rssMb: [rss(sa), rss(sb)],
    cpuMs: [cpu(sa), cpu(sb)],
    systemMs: [system(sa), system(sb)],
  }
}

/** The run of median sync time (the lower middle one of an even count). */
function median<T extends { readonly syncMs: number }>(runs: readonly T[]): T | undefined {
  return [...runs].sort((a, b) => a.syncMs - b.syncMs)[Math.floor((runs.length - 1) / 2)]
}

/** `rsync -a` from one local folder to a fresh one: the tool a user has at hand. */
function rsyncMs(source: string, target: string): number {
  const started = performance.now()
  execFileSync('rsync', ['-a', `${source}/`, `${target}/`])
  return performance.now() - started // the copy stays until the end, as the synced folders do (syncOnce)
}

/** Raw loopback TCP: one socket, 64 KiB writes, both ends in this process. */
async function tcpMbps(totalBytes: number): Promise<number> {
  let got = 0
  let done: () => void = () => undefined
  const arrived = new Promise<void>((r) => (done = r))
  const server = createServer((s) => s.on('data', (c: Buffer) => (got += c.length) >= totalBytes && done()))
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const address = server.address()
  const socket = connect(typeof address === 'object' && address ? address.port : 0, '127.0.0.1')
  await new Promise((r) => socket.once('connect', r))
  const chunk = Buffer.alloc(64 * 1024)
  const started = performance.now()
  for (let sent = 0; sent < totalBytes; sent += chunk.length)
    if (!socket.write(chunk)) await new Promise((r) => socket.once('drain', r))
  await arrived
  const ms = performance.now() - started
  socket.destroy()
  await new Promise((r) => server.close(r))
  return totalBytes / MB / (ms / 1000)
}

const root = await mkdtemp(join(tmpdir(), 'cs-bench-sync-'))
try {
  const {
    big: bigSource,
    small: smallSource,
    smallBytes,
  } = await makeData(root, BIG_MIB, SMALL_FILES, BIG_KIND)

  const only = process.env.BENCH_ONLY?.split(',')
  const runs = (name: string): boolean => only === undefined || only.includes(name)
  const anyBig = runs('big') || runs('big-lean')
  const tcp = only ? Number.NaN : await tcpMbps(TCP_MIB * 1024 * 1024)
  const tls = anyBig
    ? (await ours(TLS_SRP_SHA_WITH_AES_128_CBC_SHA, TLS_MIB * 1024 * 1024, nodeRecordCrypto)).mbps
    : Number.NaN
  const rsyncBig = only ? Number.NaN : rsyncMs(bigSource, join(root, 'rsync-big'))
  const rsyncSmall = only ? Number.NaN : rsyncMs(smallSource, join(root, 'rsync-small'))
  const lean: Setup = { durable: false, gzip: false }
  const skipped: SyncRun = {
    scanMs: Number.NaN,
    syncMs: Number.NaN,
    bytes: 0,
    files: 0,
    rssMb: [Number.NaN, Number.NaN],
    cpuMs: [Number.NaN, Number.NaN],
    systemMs: [Number.NaN, Number.NaN],
  }
  /** Ours and Syncthing's on the same data, alternated round by round. */
  const versus = async (
    source: string,
    name: 'big' | 'small',
  ): Promise<{ ours: SyncRun[]; theirs: SyncthingRun[] }> => {
    const ours: SyncRun[] = []
    const theirs: SyncthingRun[] = []
    for (let round = 0; round < ROUNDS; round++) {
      if (runs(name)) ours.push(await syncOnce(source, join(root, `run-${name}-${round}`)))
      const run = runs('syncthing')
        ? await syncthingRun(source, join(root, `syncthing-${name}-${round}`), { keepTarget: true })
        : null
      if (run) theirs.push(run)
    }
    return { ours, theirs }
  }
  const bigRounds = await versus(bigSource, 'big')
  const bigLean = runs('big-lean') ? await syncOnce(bigSource, join(root, 'run-big-lean'), lean) : skipped
  const smallRounds = await versus(smallSource, 'small')
  const smallLean = runs('small-lean')
    ? await syncOnce(smallSource, join(root, 'run-small-lean'), lean)
    : skipped
  const big = median(bigRounds.ours) ?? skipped
  const small = median(smallRounds.ours) ?? skipped
  const syncthingBig = median(bigRounds.theirs)
  const syncthingSmall = median(smallRounds.theirs)
  /** Each round's time of ours over Syncthing's, and the times behind the medians. */
  const rounds = (r: { ours: SyncRun[]; theirs: SyncthingRun[] }): string =>
    `   rounds: ours ${r.ours.map((o) => (o.syncMs / 1000).toFixed(2)).join(' ')} s, Syncthing ${r.theirs.map((t) => (t.syncMs / 1000).toFixed(2)).join(' ')} s, ratios ${r.ours.map((o, i) => (r.theirs[i] ? `${(o.syncMs / r.theirs[i].syncMs).toFixed(2)}x` : '-')).join(' ')}`

  const bigBytes = BIG_MIB * 1024 * 1024
  const mbps = (run: SyncRun): number => bigBytes / MB / (run.syncMs / 1000)
  const bigMbps = mbps(big)
  const s = (ms: number): string => `${(ms / 1000).toFixed(2)} s`
  const cpu = (run: Pick<SyncRun, 'cpuMs' | 'systemMs'>): string =>
    `  cpu sharer ${s(run.cpuMs[0])} (kernel ${s(run.systemMs[0])}), joiner ${s(run.cpuMs[1])} (kernel ${s(run.systemMs[1])})`
  console.log(
    `loopback, two peers in their own processes, TLS-SRP AES-128-CBC (EtM, the suite peers prefer) on node:crypto; durable commits and gzip unless "lean"`,
  )
  console.log(`  raw TCP                          ${tcp.toFixed(0).padStart(6)} MB/s`)
  // Both of its ends share one thread, where the sync's peers have a process each: a sync can beat it.
  console.log(
    `  our TLS (bench/tls, ${TLS_MIB} MiB)       ${tls.toFixed(0).padStart(6)} MB/s  (both ends in one process)`,
  )
  console.log(`one ${BIG_MIB} MiB file${BIG_KIND === 'text' ? ' of text' : ''}`)
  console.log(
    `  sync            ${s(big.syncMs).padStart(9)}  ${bigMbps.toFixed(0).padStart(5)} MB/s  = ${((100 * bigMbps) / tls).toFixed(0)}% of our TLS (target >= 60%)   [sharer's scan ${s(big.scanMs)}]${cpu(big)}`,
  )
  console.log(
    `  sync, lean      ${s(bigLean.syncMs).padStart(9)}  ${mbps(bigLean).toFixed(0).padStart(5)} MB/s  = ${((100 * mbps(bigLean)) / tls).toFixed(0)}% of our TLS (no gzip, no fsync)${cpu(bigLean)}`,
  )
  console.log(
    `  rsync -a        ${s(rsyncBig).padStart(9)}  ${(bigBytes / MB / (rsyncBig / 1000)).toFixed(0).padStart(5)} MB/s`,
  )
  if (syncthingBig)
    console.log(
      `  syncthing       ${s(syncthingBig.syncMs).padStart(9)}  ${(bigBytes / MB / (syncthingBig.syncMs / 1000)).toFixed(0).padStart(5)} MB/s  ours takes ${(big.syncMs / syncthingBig.syncMs).toFixed(2)}x its time (target <= 1)   [its scan ${s(syncthingBig.scanMs)}]${cpu(syncthingBig)}`,
    )
  if (ROUNDS > 1) console.log(`  (medians of ${ROUNDS} alternated rounds)${rounds(bigRounds)}`)
  console.log(`${SMALL_FILES} files of 1-8 KiB (${(smallBytes / MB).toFixed(1)} MB)`)
  console.log(
    `  sync            ${s(small.syncMs).padStart(9)}  ${(SMALL_FILES / (small.syncMs / 1000)).toFixed(0).padStart(5)} files/s (target < 8 s)   [sharer's scan ${s(small.scanMs)}]${cpu(small)}`,
  )
  console.log(
    `  sync, lean      ${s(smallLean.syncMs).padStart(9)}  ${(SMALL_FILES / (smallLean.syncMs / 1000)).toFixed(0).padStart(5)} files/s (no gzip, no fsync: as rsync does)${cpu(smallLean)}`,
  )
  console.log(
    `  rsync -a        ${s(rsyncSmall).padStart(9)}  ${(SMALL_FILES / (rsyncSmall / 1000)).toFixed(0).padStart(5)} files/s`,
  )
  if (syncthingSmall)
    console.log(
      `  syncthing       ${s(syncthingSmall.syncMs).padStart(9)}  ${(SMALL_FILES / (syncthingSmall.syncMs / 1000)).toFixed(0).padStart(5)} files/s  ours takes ${(small.syncMs / syncthingSmall.syncMs).toFixed(2)}x its time (target <= 1)   [its scan ${s(syncthingSmall.scanMs)}]${cpu(syncthingSmall)}`,
    )
  if (ROUNDS > 1) console.log(`  (medians of ${ROUNDS} alternated rounds)${rounds(smallRounds)}`)
  // Runs left out by BENCH_ONLY have no figure.
  const peak = (runs: SyncRun[], i: 0 | 1): string =>
    `${Math.max(...runs.map((r) => r.rssMb[i]).filter(Number.isFinite)).toFixed(0)} MB`
  console.log(
    `peak RSS (target < 300 MB): big file sharer ${peak([...bigRounds.ours, bigLean], 0)}, joiner ${peak([...bigRounds.ours, bigLean], 1)}; small files sharer ${peak([...smallRounds.ours, smallLean], 0)}, joiner ${peak([...smallRounds.ours, smallLean], 1)}`,
  )
} finally {
  await rm(root, { recursive: true, force: true })
}
