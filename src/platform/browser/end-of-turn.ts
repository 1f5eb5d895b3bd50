import type { Defer } from '../../engine/coalescing-stream'

/**
 * The browser's setImmediate: tasks run once the current task is over, before timers. A message
 * to ourselves is queued as a new task at once, where a zero timeout nested in other timers is
 * stretched to 4 ms; so a burst of small writes the engine makes while handling one arrival goes
 * down as one TLS batch without waiting a timer's clamp.
 */
export function endOfTurn(): Defer {
  const channel = new MessageChannel()
  let queue: Array<() => void> = []
  channel.port1.onmessage = () => {
    const due = queue
    queue = []
    for (const task of due) task()
  }
  return (task) => {
    if (queue.push(task) === 1) channel.port2.postMessage(null)
  }
}
