/**
 * Runs the tasks given to it one after another, in call order: each starts once the one before it
 * has settled, failed or not. A failure goes to that task's caller; the tasks after it still run.
 */
export class Serial {
  private last: Promise<unknown> = Promise.resolve()

  run<T>(task: () => Promise<T>): Promise<T> {
    const run = this.last.then(task)
    this.last = run.catch(() => undefined)
    return run
  }
}
