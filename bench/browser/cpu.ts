/**
 * CPU time of the Chromium processes in this network namespace (the bench's own browser, not other
 * people's), from /proc: a figure the machine's other load does not change the way it changes
 * wall-clock rates.
 */
import { readFileSync, readdirSync, readlinkSync } from 'node:fs'

export type ThreadTimes = Map<string, number>

/** CPU seconds of every thread of the Chromium processes in our network namespace, by "process type / thread name". */
export function threadTimes(): ThreadTimes {
  const ticks = 100 // USER_HZ on Linux
  const ownNet = readlinkSync('/proc/self/ns/net')
  const out: ThreadTimes = new Map()
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      if (readlinkSync(`/proc/${pid}/ns/net`) !== ownNet) continue
      // Chromium rewrites its process title: the arguments may come as one string with spaces.
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split(/[\0 ]/)
      if (!cmdline[0]?.includes('chromium')) continue
      const type = cmdline.find((a) => a.startsWith('--type='))?.slice(7) ?? 'browser'
      const utility = cmdline.find((a) => a.startsWith('--utility-sub-type='))?.slice(19).split('.').at(-2)
      for (const tid of readdirSync(`/proc/${pid}/task`)) {
        const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8')
        const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
        const cpu = (Number(fields[11]) + Number(fields[12])) / ticks
        const name = readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').trim().replace(/\d+$/, 'N')
        const key = `${utility ?? type} / ${name}`
        out.set(key, (out.get(key) ?? 0) + cpu)
      }
    } catch {
      // a process or thread that ended meanwhile
    }
  }
  return out
}

/** CPU seconds of all those threads together. */
export function chromiumCpuSeconds(): number {
  let total = 0
  for (const seconds of threadTimes().values()) total += seconds
  return total
}
