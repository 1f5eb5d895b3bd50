/**
 * Keyed items in a uniformly random order, whatever order they arrive in. directory.md asks that
 * "files should be asked for in a random order so that if many peers are involved with the
 * directory, the files spread as quickly as possible"; records arrive one by one, so shuffling
 * each batch would not be enough. Adding is one step of an inside-out Fisher-Yates shuffle;
 * removing moves the last item into the hole. Both are O(1), for shares of 100k files.
 */
export class RandomQueue<T> {
  private readonly items: { readonly key: string; readonly value: T }[] = []
  private readonly positions = new Map<string, number>()

  /** `random` is uniform in [0, 1). */
  constructor(private readonly random: () => number) {}

  get size(): number {
    return this.items.length
  }

  has(key: string): boolean {
    return this.positions.has(key)
  }

  get(key: string): T | undefined {
    const at = this.positions.get(key)
    return at === undefined ? undefined : this.items[at]?.value
  }

  /** Puts the item at a random position; an item already queued under `key` stays where it is. */
  add(key: string, value: T): void {
    if (this.positions.has(key)) return
    const last = this.items.length
    this.items.push({ key, value })
    this.positions.set(key, last)
    this.swap(last, Math.min(last, Math.floor(this.random() * (last + 1))))
  }

  delete(key: string): boolean {
    const at = this.positions.get(key)
    if (at === undefined) return false
    this.removeAt(at)
    return true
  }

  /**
   * Visits the items in queue order. `take` removes the visited item, `stop` ends the sweep. Items
   * removed by `take` cost nothing to step over, so a sweep that takes from the front is cheap.
   */
  sweep(visit: (value: T) => 'keep' | 'take' | 'stop'): void {
    let at = 0
    while (at < this.items.length) {
      const item = this.items[at]
      if (item === undefined) return
      const verdict = visit(item.value)
      if (verdict === 'stop') return
      if (verdict === 'take') this.removeAt(at)
      else at++
    }
  }

  *values(): IterableIterator<T> {
    for (const item of this.items) yield item.value
  }

  private swap(i: number, j: number): void {
    const a = this.items[i]
    const b = this.items[j]
    if (a === undefined || b === undefined || i === j) return
    this.items[i] = b
    this.items[j] = a
    this.positions.set(b.key, i)
    this.positions.set(a.key, j)
  }

  private removeAt(at: number): void {
    this.swap(at, this.items.length - 1)
    const removed = this.items.pop()
    if (removed) this.positions.delete(removed.key)
  }
}
