/**
 * simple-peer's stream layer (readable-stream 3) calls Node's `process.nextTick` on some paths
 * (ending and destroying a peer); browsers have no `process`. This supplies the little it uses.
 * Imported by rtc-link.ts before simple-peer, so it runs first.
 */
type NextTick = (callback: (...args: unknown[]) => void, ...args: unknown[]) => void
const scope = globalThis as unknown as {
  process?: { env: Record<string, string>; nextTick: NextTick; browser: boolean; version: string }
}
scope.process ??= {
  env: {},
  nextTick: (callback, ...args) => queueMicrotask(() => callback(...args)),
  browser: true,
  version: '',
}
