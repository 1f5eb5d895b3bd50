/** Something that holds a resource until closed: a store, a database. */
export interface Closable {
  close(): void | Promise<void>
}

/**
 * Waits for stores being opened together. If any fails, the ones that did open are closed again
 * (their own failures to close ignored) and the first failure is thrown: a half-open share would
 * hold its databases with nothing to use or close them.
 */
export async function openTogether<T extends readonly Closable[]>(opening: {
  readonly [K in keyof T]: Promise<T[K]>
}): Promise<T> {
  const settled = await Promise.allSettled(opening)
  const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected')
  const opened = settled.flatMap((r) => (r.status === 'fulfilled' ? [r.value as Closable] : []))
  if (!failed) return opened as unknown as T
  await Promise.allSettled(opened.map(async (store) => store.close()))
  throw failed.reason
}
