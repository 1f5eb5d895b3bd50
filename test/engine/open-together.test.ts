/** Stores opened together (src/engine/open-together.ts): all of them, or none left open. */
import { describe, expect, it } from 'vitest'
import { openTogether } from '../../src/engine/open-together'

class Store {
  closed = false
  constructor(
    readonly name: string,
    private readonly closeFails = false,
  ) {}
  async close(): Promise<void> {
    this.closed = true
    if (this.closeFails) throw new Error(`${this.name} would not close`)
  }
}

describe('openTogether', () => {
  it('gives every store, in order, when all open', async () => {
    const [a, b] = await openTogether([
      Promise.resolve(new Store('a')),
      Promise.resolve(new Store('b')),
    ] as const)
    expect([a.name, b.name]).toEqual(['a', 'b'])
    expect([a.closed, b.closed]).toEqual([false, false])
  })

  it('closes the stores that opened when one fails, and throws the first failure', async () => {
    const a = new Store('a')
    const c = new Store('c', true) // its failure to close is not the one reported
    const later = new Promise<Store>((resolve) => setTimeout(() => resolve(c), 10))
    await expect(
      openTogether([
        Promise.resolve(a),
        Promise.reject(new Error('b is locked')),
        later,
        Promise.reject(new Error('d is locked too')),
      ] as const),
    ).rejects.toThrow('b is locked')
    expect([a.closed, c.closed]).toEqual([true, true])
  })
})
