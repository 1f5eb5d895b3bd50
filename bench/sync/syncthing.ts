/**
 * Syncthing, the tool a user would pick instead (issue 4), measured the way bench/sync measures us:
 * two fresh instances of Debian's `syncthing` (1.19) on this machine, peer to peer over loopback
 * TCP, A sharing `source` and B joining into an empty folder.
 *
 * `syncthingRun(source, work)` returns { scanMs, syncMs, bytes, wireBytes, files, rssMb } (the
 * fields of index.ts's SyncRun, plus wireBytes), or null when the `syncthing` binary is missing
 * (it says how to install it), so the rest of the bench still runs. Run alone:
 * `npx tsx bench/sync/syncthing.ts [big MiB] [small files]` (defaults 1024 and 10000) makes the
 * same data as index.ts and prints the figures with the load average around each run.
 *
 * Timing, chosen as the analogue of ours (index.ts: "from the joiner entering the access code to
 * the last file in place, the sharer's scan timed apart"):
 * - scanMs: from A being told about the folder (REST POST /rest/config/folders) until A's folder
 *   is idle with every file and folder of `source` in its database. Syncthing hashes every block
 *   with SHA-256 here, as we hash whole files.
 * - syncMs: B runs and is connected to A, and A's offer of the folder has reached B (what the GUI
 *   shows as "A wants to share folder ..."): that is the moment before the user accepts, like the
 *   moment before our user enters the code. The clock starts when B is told about the folder
 *   (POST /rest/config/folders on B) and stops when B's /rest/db/status, polled every POLL_MS,
 *   shows state idle, every file and folder of `source` in the global index and nothing needed,
 *   with every file and folder in B's local database. Syncthing writes its database only after
 *   the files are renamed into place and their folders fsynced, so this is "last file in place";
 *   the files, their bytes and the folders are then counted on disk. (Folders, not bytes, in the
 *   REST check: Syncthing counts each folder as 128 bytes in its byte totals.) The polling adds up
 *   to POLL_MS.
 *   Unlike ours, the TCP+TLS connection is already up at the start (it comes up at B's start,
 *   before the clock): on loopback that is a few milliseconds.
 *
 * Configuration: exactly what `syncthing generate` writes and the REST API's defaults give a new
 * device and folder (sendreceive folders, the file watcher on, compression "metadata", fsync on:
 * `disableFsync` false, so each pulled file is fsynced before its rename and the changed folders
 * before each database batch, as our durable default does), except what keeps it on loopback and
 * quiet: listen on tcp://127.0.0.1 only, GUI/REST on 127.0.0.1, global and local discovery,
 * relays, NAT traversal (UPnP/NAT-PMP) and STUN, usage and crash reporting, auto-upgrade and the
 * browser off. One more: `setLowPriority` off. Syncthing ships it on (nice 9 and a low I/O
 * priority for itself), our peers run at normal priority, and on a machine shared with other
 * benchmarks a niced process loses CPU it would otherwise get: same priority is the fair footing.
 *
 * What Syncthing does that we do not (in figures, not a tuning): it pulls in blocks of 128 KiB to
 * 16 MiB (by file size) and verifies each block's SHA-256 as it arrives, keeps a block map to
 * reuse local blocks, uses TLS 1.3 (Go's choice of AEAD), compresses only metadata, and batches
 * database writes (up to 1000 items or 2 s). Its `serve` is two processes, a monitor and the
 * worker; rssMb is the worker's.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { createWriteStream, rmSync } from 'node:fs'
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { createServer } from 'node:net'
import { loadavg, tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { randomBytes } from 'node:crypto'
import { makeData } from './data'

/** One Syncthing run; the fields mirror index.ts's SyncRun. */
export interface SyncthingRun {
  /** A's initial scan (hashing included) of `source`. */
  readonly scanMs: number
  /** From B being told about the folder to the last file in place at B. */
  readonly syncMs: number
  /** File bytes in place at B (checked on disk). */
  readonly bytes: number
  /** Bytes B read from its connection to A while syncing (Syncthing's protocol level, after TLS). */
  readonly wireBytes: number
  /** Regular files in place at B (checked on disk). */
  readonly files: number
  /** Peak RSS (VmHWM) of A and B, MB. */
  readonly rssMb: readonly [number, number]
  /** CPU time (user + kernel) of A's and B's processes during the sync, and the kernel's part. */
  readonly cpuMs: readonly [number, number]
  readonly systemMs: readonly [number, number]
}

const BINARY = 'syncthing'
const FOLDER_ID = 'clearskies-bench'
/** Syncthing's folder marker: created in `source` by A, removed again afterwards. */
const MARKER = '.stfolder'
const POLL_MS = 50
const START_TIMEOUT_MS = 30_000
const CONNECT_TIMEOUT_MS = 30_000
const SYNC_TIMEOUT_MS = 900_000
const STOP_TIMEOUT_MS = 10_000
const MB = 1e6
/** Linux's USER_HZ, the unit of /proc/PID/stat's times. */
const CLOCK_TICKS_PER_SECOND = 100
const LOG_TAIL_LINES = 30

/** The options `syncthing generate` writes that would reach beyond 127.0.0.1 or change priority. */
function loopbackOptions(listenPort: number): Record<string, string> {
  return {
    listenAddress: `tcp://127.0.0.1:${listenPort}`,
    globalAnnounceEnabled: 'false',
    localAnnounceEnabled: 'false',
    relaysEnabled: 'false',
    natEnabled: 'false',
    // STUN only serves NAT traversal for QUIC, which a tcp-only listener has not; 0 turns it off.
    stunKeepaliveStartS: '0',
    announceLANAddresses: 'false',
    urAccepted: '-1',
    crashReportingEnabled: 'false',
    autoUpgradeIntervalH: '0',
    startBrowser: 'false',
    setLowPriority: 'false',
  }
}

/** Replaces the one `<name>…</name>` element; a generated config without it is a version we do not know. */
function setElement(xml: string, name: string, value: string): string {
  const pattern = new RegExp(`<${name}>[^<]*</${name}>`)
  if (!pattern.test(xml))
    throw new Error(`syncthing config.xml has no <${name}>: not the 1.19 layout this bench expects`)
  return xml.replace(pattern, `<${name}>${value}</${name}>`)
}

interface Home {
  readonly dir: string
  readonly id: string
  readonly listenPort: number
  readonly guiPort: number
  readonly apiKey: string
  /** The generated `<device>` element of this instance itself, for the other's config. */
  readonly deviceXml: string
}

/** `syncthing generate` into a fresh dir, then the loopback options, GUI address and API key. */
async function generate(dir: string): Promise<Home> {
  const made = spawnSync(
    BINARY,
    ['generate', `--home=${dir}`, '--no-default-folder', '--skip-port-probing'],
    { encoding: 'utf8' },
  )
  if (made.status !== 0) throw new Error(`syncthing generate failed: ${made.stderr}`)
  const path = join(dir, 'config.xml')
  let xml = await readFile(path, 'utf8')
  // The first <device> is this instance itself, with every field `generate` fills in.
  const [deviceXml, id] = /<device id="([A-Z0-9-]+)"[\s\S]*?<\/device>/.exec(xml) ?? []
  if (!deviceXml || !id) throw new Error(`no <device> in ${path}`)
  const [listenPort, guiPort] = [await freePort(), await freePort()]
  const apiKey = randomBytes(16).toString('hex')
  for (const [name, value] of Object.entries(loopbackOptions(listenPort))) xml = setElement(xml, name, value)
  xml = setElement(xml, 'apikey', apiKey)
  xml = xml.replace(/(<gui [^>]*>\s*<address>)[^<]*(<\/address>)/, `$1127.0.0.1:${guiPort}$2`)
  await writeFile(path, xml)
  return { dir, id, listenPort, guiPort, apiKey, deviceXml }
}

/** Adds `peer` to `home`'s config as a device with its static loopback address, before start. */
async function addDevice(home: Home, peer: Home, name: string): Promise<void> {
  const path = join(home.dir, 'config.xml')
  const xml = await readFile(path, 'utf8')
  const device = peer.deviceXml
    .replace(/name="[^"]*"/, `name="${name}"`)
    .replace(/<address>[^<]*<\/address>/, `<address>tcp://127.0.0.1:${peer.listenPort}</address>`)
  await writeFile(path, xml.replace(/(<gui )/, `${device}\n    $1`))
}

/** A port free on 127.0.0.1 now (the kernel's choice); Syncthing takes it a moment later. */
async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const address = server.address()
  await new Promise((r) => server.close(r))
  if (typeof address !== 'object' || !address) throw new Error('no port')
  return address.port
}

type Fields = Readonly<Record<string, unknown>>

function fields(value: unknown, what: string): Fields {
  if (typeof value !== 'object' || value === null)
    throw new Error(`${what}: expected an object, got ${JSON.stringify(value)}`)
  return value as Fields
}

function numberOf(object: Fields, key: string): number {
  const value = object[key]
  if (typeof value !== 'number') throw new Error(`expected a number at ${key}, got ${JSON.stringify(value)}`)
  return value
}

/** The parts of /rest/db/status this bench reads. */
interface FolderStatus {
  readonly state: string
  readonly globalFiles: number
  readonly globalDirectories: number
  readonly localFiles: number
  readonly localDirectories: number
  readonly needFiles: number
  readonly needBytes: number
  readonly needDeletes: number
}

class Instance {
  private readonly log: string
  private exited = false

  private constructor(
    readonly home: Home,
    private readonly child: ChildProcess,
    private readonly group: number,
    log: string,
  ) {
    this.log = log
    child.once('exit', () => (this.exited = true))
  }

  static async start(home: Home): Promise<Instance> {
    const log = `${home.dir}.log`
    const out = createWriteStream(log)
    await new Promise((r) => out.once('open', r))
    // `serve` runs as shipped: a monitor process that starts the real one (--no-restart only stops
    // it restarting). Its own process group, so stopping it stops both and nothing else.
    const child = spawn(
      BINARY,
      ['serve', `--home=${home.dir}`, '--no-browser', '--no-restart', '--no-upgrade', '--logflags=6'],
      {
        stdio: ['ignore', out, out],
        env: { ...process.env, STNODEFAULTFOLDER: '1', STNOUPGRADE: '1' },
        detached: true,
      },
    )
    const group = child.pid
    if (group === undefined) throw new Error(`could not start ${BINARY}`)
    running.add(group)
    const instance = new Instance(home, child, group, log)
    await instance.until(
      START_TIMEOUT_MS,
      'the REST API to answer',
      async () => (await instance.request('GET', '/rest/system/ping').catch(() => null)) !== null,
    )
    return instance
  }

  async request(method: 'GET' | 'POST', path: string, body?: unknown): Promise<unknown> {
    const response = await fetch(`http://127.0.0.1:${this.home.guiPort}${path}`, {
      method,
      headers: { 'X-API-Key': this.home.apiKey, 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    })
    const text = await response.text()
    if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`)
    return text ? (JSON.parse(text) as unknown) : null
  }

  async status(): Promise<FolderStatus> {
    const s = fields(await this.request('GET', `/rest/db/status?folder=${FOLDER_ID}`), 'db/status')
    const n = (key: keyof FolderStatus): number => numberOf(s, key)
    return {
      state: String(s.state),
      globalFiles: n('globalFiles'),
      globalDirectories: n('globalDirectories'),
      localFiles: n('localFiles'),
      localDirectories: n('localDirectories'),
      needFiles: n('needFiles'),
      needBytes: n('needBytes'),
      needDeletes: n('needDeletes'),
    }
  }

  /** The connection to `peer` as /rest/system/connections reports it, or null. */
  async connection(peer: Home): Promise<{ connected: boolean; inBytesTotal: number } | null> {
    const all = fields(
      fields(await this.request('GET', '/rest/system/connections'), 'connections').connections,
      'connections',
    )
    if (!(peer.id in all)) return null
    const c = fields(all[peer.id], 'connection')
    return { connected: c.connected === true, inBytesTotal: numberOf(c, 'inBytesTotal') }
  }

  async addFolder(path: string, peer: Home): Promise<void> {
    // Only what a user types: the rest comes from the config's folder defaults, as in the GUI.
    await this.request('POST', '/rest/config/folders', {
      id: FOLDER_ID,
      label: 'bench',
      path,
      devices: [{ deviceID: this.home.id }, { deviceID: peer.id }],
    })
  }

  async until(timeoutMs: number, what: string, check: () => Promise<boolean>): Promise<void> {
    const started = performance.now()
    for (;;) {
      if (this.exited)
        throw new Error(
          `syncthing (${this.home.dir}) exited while waiting for ${what}; the end of its log:\n${await this.logTail()}`,
        )
      if (await check()) return
      if (performance.now() - started > timeoutMs)
        throw new Error(
          `syncthing (${this.home.dir}): no ${what} after ${timeoutMs} ms; the end of its log:\n${await this.logTail()}`,
        )
      await new Promise((r) => setTimeout(r, POLL_MS))
    }
  }

  /** The log is removed with `work`'s other contents: errors carry its end instead. */
  private async logTail(): Promise<string> {
    const text = await readFile(this.log, 'utf8').catch(() => '')
    return text.split('\n').slice(-LOG_TAIL_LINES).join('\n')
  }

  /** Peak resident set (VmHWM) so far of the process that syncs (the monitor's child), MB. */
  async peakRssMb(): Promise<number> {
    // Go starts the child from whichever thread it is on: every thread's children file is read.
    const tasks = await readdir(`/proc/${this.group}/task`).catch((): string[] => [])
    const children = await Promise.all(
      tasks.map((t) => readFile(`/proc/${this.group}/task/${t}/children`, 'utf8').catch(() => '')),
    )
    const worker = children.join(' ').trim().split(/\s+/)[0] || String(this.group)
    const status = await readFile(`/proc/${worker}/status`, 'utf8').catch(() => '')
    const kib = /VmHWM:\s+(\d+) kB/.exec(status)
    return kib ? (Number(kib[1]) * 1024) / MB : Number.NaN
  }

  /** CPU time used so far by the group's processes (monitor and worker), from /proc/PID/stat. */
  async cpuTimes(): Promise<{ userMs: number; systemMs: number }> {
    const times = { userMs: 0, systemMs: 0 }
    for (const pid of await readdir('/proc')) {
      if (!/^\d+$/.test(pid)) continue
      const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '')
      // Fields after the command name (which may hold spaces): state is 3rd, pgrp 5th, utime 14th, stime 15th.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
      if (Number(fields[2]) !== this.group) continue
      times.userMs += (Number(fields[11]) * 1000) / CLOCK_TICKS_PER_SECOND
      times.systemMs += (Number(fields[12]) * 1000) / CLOCK_TICKS_PER_SECOND
    }
    return times
  }

  /** SIGTERM to the group (monitor and worker), SIGKILL if it lingers; returns once no member is left. */
  async stop(): Promise<void> {
    signalGroup(this.group, 'SIGTERM')
    const started = performance.now()
    while (groupAlive(this.group)) {
      if (performance.now() - started > STOP_TIMEOUT_MS) signalGroup(this.group, 'SIGKILL')
      await new Promise((r) => setTimeout(r, POLL_MS))
    }
    if (!this.exited) await new Promise((r) => this.child.once('exit', r))
    running.delete(this.group)
  }
}

function signalGroup(group: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-group, signal)
  } catch {
    // ESRCH: the group is gone already.
  }
}

function groupAlive(group: number): boolean {
  try {
    process.kill(-group, 0)
    return true
  } catch {
    return false
  }
}

/** The process groups of the syncthings started and not yet stopped. */
const running = new Set<number>()

/**
 * Kills what is running, then `tidy`s, if this process exits or is interrupted mid-run (the groups
 * are detached, so a Ctrl-C would not reach them); returns the undo.
 */
function killOnExit(tidy: () => void): () => void {
  const kill = (): void => {
    for (const group of running) signalGroup(group, 'SIGKILL')
    tidy()
  }
  const interrupted = (signal: NodeJS.Signals): void => {
    kill()
    undo()
    process.kill(process.pid, signal)
  }
  const undo = (): void => {
    process.off('exit', kill)
    process.off('SIGINT', interrupted)
    process.off('SIGTERM', interrupted)
  }
  process.on('exit', kill)
  process.on('SIGINT', interrupted)
  process.on('SIGTERM', interrupted)
  return undo
}

/** Regular files, their bytes and the folders under `root`, Syncthing's marker left out. */
async function census(root: string): Promise<{ files: number; bytes: number; directories: number }> {
  let [files, bytes, directories] = [0, 0, 0]
  for (const entry of await readdir(root, { withFileTypes: true, recursive: true })) {
    const path = join(entry.parentPath, entry.name)
    if (path === join(root, MARKER) || path.startsWith(join(root, MARKER, '/'))) continue
    if (entry.isDirectory()) directories++
    if (!entry.isFile()) continue
    files++
    bytes += (await stat(path)).size
  }
  return { files, bytes, directories }
}

function missing(): boolean {
  const probe = spawnSync(BINARY, ['--version'], { encoding: 'utf8' })
  if (!probe.error) return false
  console.error(
    `bench/sync: no \`${BINARY}\` on PATH, so no Syncthing figures; install it with \`apt-get install -y syncthing\` (scripts/setup-debian.sh does)`,
  )
  return true
}

/**
 * Two fresh Syncthing instances under `work`: A shares `source`, B joins into an empty folder;
 * null if syncthing is not installed. Both processes are stopped and their state, B's folder and
 * A's marker in `source` removed before it returns.
 */
/**
 * `keepTarget`: B's copy stays (the caller removes `work` later). On this machine's ext4, files
 * created right after 10,000 were removed took several times as long: a run that follows the
 * removal is slowed by it, whoever's run it is.
 */
export async function syncthingRun(
  source: string,
  work: string,
  options: { keepTarget?: boolean } = {},
): Promise<SyncthingRun | null> {
  if (missing()) return null
  const expected = await census(source)
  const markerWasThere = await stat(join(source, MARKER)).then(
    () => true,
    () => false,
  )
  const target = join(work, 'syncthing-target')
  const homes = [join(work, 'syncthing-a'), join(work, 'syncthing-b')] as const
  const instances: Instance[] = []
  // `source` is the caller's: A's marker goes even when the run is cut short.
  const undoKillOnExit = killOnExit(
    () => markerWasThere || rmSync(join(source, MARKER), { recursive: true, force: true }),
  )
  try {
    await mkdir(target, { recursive: true })
    const [homeA, homeB] = [await generate(homes[0]), await generate(homes[1])]
    await addDevice(homeA, homeB, 'b')
    await addDevice(homeB, homeA, 'a')

    const a = await Instance.start(homeA)
    instances.push(a)
    const scanStarted = performance.now()
    await a.addFolder(resolve(source), homeB)
    await a.until(SYNC_TIMEOUT_MS, 'end of the initial scan', async () => {
      const s = await a.status()
      return (
        s.state === 'idle' && s.localFiles === expected.files && s.localDirectories === expected.directories
      )
    })
    const scanMs = performance.now() - scanStarted

    const b = await Instance.start(homeB)
    instances.push(b)
    await b.until(
      CONNECT_TIMEOUT_MS,
      'connection to A',
      async () => (await b.connection(homeA))?.connected === true,
    )
    await b.until(
      CONNECT_TIMEOUT_MS,
      "A's offer of the folder",
      async () =>
        FOLDER_ID in fields(await b.request('GET', '/rest/cluster/pending/folders'), 'pending folders'),
    )
    const wireBefore = (await b.connection(homeA))?.inBytesTotal ?? 0

    const cpuBefore = [await a.cpuTimes(), await b.cpuTimes()]
    const syncStarted = performance.now()
    await b.addFolder(resolve(target), homeA)
    await b.until(SYNC_TIMEOUT_MS, 'complete folder', async () => {
      const s = await b.status()
      if (process.env.BENCH_TRACE)
        console.error(`[syncthing B] ${(performance.now() - syncStarted).toFixed(0)} ms ${JSON.stringify(s)}`)
      return (
        s.state === 'idle' &&
        s.globalFiles === expected.files &&
        s.globalDirectories === expected.directories &&
        s.needFiles === 0 &&
        s.needBytes === 0 &&
        s.needDeletes === 0 &&
        s.localFiles === expected.files &&
        s.localDirectories === expected.directories
      )
    })
    const syncMs = performance.now() - syncStarted
    const cpuAfter = [await a.cpuTimes(), await b.cpuTimes()]
    const used = (i: 0 | 1, kernelOnly: boolean): number =>
      cpuAfter[i]!.systemMs -
      cpuBefore[i]!.systemMs +
      (kernelOnly ? 0 : cpuAfter[i]!.userMs - cpuBefore[i]!.userMs)

    const wireBytes = ((await b.connection(homeA))?.inBytesTotal ?? 0) - wireBefore
    const rssMb = [await a.peakRssMb(), await b.peakRssMb()] as const
    const got = await census(target)
    if (JSON.stringify(got) !== JSON.stringify(expected))
      throw new Error(
        `syncthing reported done but B's folder holds ${JSON.stringify(got)}; expected ${JSON.stringify(expected)}`,
      )
    return {
      scanMs,
      syncMs,
      bytes: got.bytes,
      wireBytes,
      files: got.files,
      rssMb,
      cpuMs: [used(0, false), used(1, false)],
      systemMs: [used(0, true), used(1, true)],
    }
  } finally {
    for (const instance of instances) await instance.stop()
    undoKillOnExit()
    if (!markerWasThere) await rm(join(source, MARKER), { recursive: true, force: true })
    for (const dir of options.keepTarget ? homes : [target, ...homes])
      await rm(dir, { recursive: true, force: true })
    for (const home of homes) await rm(`${home}.log`, { force: true })
  }
}

async function main(): Promise<void> {
  const bigMiB = Number(process.argv[2] ?? 1024)
  const smallFiles = Number(process.argv[3] ?? 10_000)
  const version = spawnSync(BINARY, ['--version'], { encoding: 'utf8' }).stdout?.trim()
  const root = await mkdtemp(join(tmpdir(), 'cs-bench-syncthing-'))
  try {
    const data = await makeData(root, bigMiB, smallFiles)
    const load = (): string =>
      loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')
    const s = (ms: number): string => `${(ms / 1000).toFixed(2)} s`
    console.log(
      `${version ?? BINARY}: two instances over loopback TCP, defaults as shipped (fsync on), discovery/relays/NAT off, normal priority`,
    )
    for (const [name, source] of [
      [`one ${bigMiB} MiB file`, data.big],
      [`${smallFiles} files of 1-8 KiB`, data.small],
    ] as const) {
      const before = load()
      const run = await syncthingRun(source, join(root, 'work'))
      if (!run) return
      const rate =
        source === data.big
          ? `${(run.bytes / MB / (run.syncMs / 1000)).toFixed(0).padStart(5)} MB/s`
          : `${(run.files / (run.syncMs / 1000)).toFixed(0).padStart(5)} files/s`
      console.log(
        `${name} (${run.files} files, ${(run.bytes / MB).toFixed(1)} MB; B received ${(run.wireBytes / MB).toFixed(1)} MB)`,
      )
      console.log(
        `  sync ${s(run.syncMs).padStart(9)}  ${rate}   [A's scan ${s(run.scanMs)}]  peak RSS A ${run.rssMb[0].toFixed(0)} MB, B ${run.rssMb[1].toFixed(0)} MB`,
      )
      console.log(
        `  cpu A ${s(run.cpuMs[0])} (kernel ${s(run.systemMs[0])}), B ${s(run.cpuMs[1])} (kernel ${s(run.systemMs[1])})`,
      )
      console.log(`  load average (1, 5, 15 min) before ${before}, after ${load()}`)
    }
  } finally {
    await rm(root, { recursive: true, force: true })
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await main()
