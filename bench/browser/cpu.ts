/**
 * CPU time of the Chromium processes in this network namespace (the bench's own browser, not other
 * people's), from /proc: a figure the machine's other load does not change the way it changes
 * wall-clock rates.
 */
import { readFileSync, readdirSync, readlinkSync } from 'node:fs'

export type ThreadTimes = Map<string, number>

/** How threadTimes names a process: its type, or a name given to its pid (`A renderer`), or type and pid. */
export interface ProcessNaming {
  readonly names?: ReadonlyMap<string, string>
  readonly withPid?: boolean
}

/** The pids of our namespace's Chromium renderers: taken before and after a page opens, they tell which is its. */
export function rendererPids(): Set<string> {
  const out = new Set<string>()
  forEachChromium((pid, type) => type === 'renderer' && out.add(pid))
  return out
}

/** Renderers that are not in `known` yet (a page that just opened has one), added to it. */
export function newRenderers(known: Set<string>): string[] {
  const fresh = [...rendererPids()].filter((pid) => !known.has(pid))
  for (const pid of fresh) known.add(pid)
  return fresh
}

/** Calls `each` for every Chromium process in our network namespace, with its process type and arguments. */
function forEachChromium(each: (pid: string, type: string, cmdline: string[]) => void): void {
  const ownNet = readlinkSync('/proc/self/ns/net')
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      if (readlinkSync(`/proc/${pid}/ns/net`) !== ownNet) continue
      // Chromium rewrites its process title: the arguments may come as one string with spaces.
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split(/[\0 ]/)
      if (!cmdline[0]?.includes('chromium')) continue
      each(pid, cmdline.find((a) => a.startsWith('--type='))?.slice(7) ?? 'browser', cmdline)
    } catch {
      // a process that ended meanwhile
    }
  }
}

/**
 * CPU seconds of every thread of the Chromium processes in our network namespace, by "process type
 * / thread name" (see ProcessNaming for other names of the process).
 */
export function threadTimes(naming: ProcessNaming = {}): ThreadTimes {
  const ticks = 100 // USER_HZ on Linux
  const out: ThreadTimes = new Map()
  forEachChromium((pid, type, cmdline) => {
    // "network.mojom.NetworkService", "storage.mojom.StorageService": the service's own name tells
    // the network service (WebRTC's UDP sockets) from the storage service (OPFS, IndexedDB).
    const utility = cmdline
      .find((a) => a.startsWith('--utility-sub-type='))
      ?.slice(19)
      .split('.')
      .at(-1)
    const process = naming.names?.get(pid) ?? `${utility ?? type}${naming.withPid ? ` ${pid}` : ''}`
    try {
      for (const tid of readdirSync(`/proc/${pid}/task`)) {
        const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8')
        const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
        const cpu = (Number(fields[11]) + Number(fields[12])) / ticks
        const name = readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').trim().replace(/\d+$/, 'N')
        const key = `${process} / ${name}`
        out.set(key, (out.get(key) ?? 0) + cpu)
      }
    } catch {
      // a process or thread that ended meanwhile
    }
  })
  return out
}

/** CPU seconds of all those threads together, or of those of processes of one type (`browser`, `renderer`, ...). */
export function chromiumCpuSeconds(processType?: string): number {
  let total = 0
  for (const [key, seconds] of threadTimes())
    if (processType === undefined || key.startsWith(`${processType} / `)) total += seconds
  return total
}
