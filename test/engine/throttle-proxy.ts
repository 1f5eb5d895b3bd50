/**
 * A TCP proxy for the engine tests: forwards to a peer, slows what comes back to `bytesPerSecond`,
 * and can cut every connection at once (a dropped network, mid-transfer).
 */
import { createServer, connect, type Socket } from 'node:net'

export interface ThrottleProxy {
  readonly address: string
  /** Bytes sent back from the target so far (what crossed the "network" towards the client). */
  readonly downstreamBytes: number
  /** Destroys every connection through the proxy, as a network failure would. */
  cut(): void
  close(): Promise<void>
}

const TICK_MS = 20

export async function throttleProxy(target: string, bytesPerSecond: number): Promise<ThrottleProxy> {
  const [, host, port] = /^tcp:(.+):(\d+)$/.exec(target) ?? []
  const sockets = new Set<Socket>()
  let downstream = 0
  const server = createServer((client) => {
    const upstream = connect(Number(port), host!)
    sockets.add(client).add(upstream)
    const drop = () => {
      client.destroy()
      upstream.destroy()
    }
    client.on('error', drop).on('close', drop)
    upstream.on('error', drop).on('close', drop)
    client.pipe(upstream)
    // Downstream in slices of one tick's budget, so the receiver sees a slow, steady stream.
    const perTick = Math.max(1, Math.floor((bytesPerSecond * TICK_MS) / 1000))
    upstream.on('data', (data: Buffer) => {
      downstream += data.length
      upstream.pause()
      let at = 0
      const step = () => {
        if (client.destroyed) return
        client.write(data.subarray(at, at + perTick))
        at += perTick
        if (at < data.length) setTimeout(step, TICK_MS)
        else upstream.resume()
      }
      step()
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  const listening = typeof address === 'object' && address ? address.port : 0
  const cut = (): void => {
    for (const socket of sockets) socket.destroy()
    sockets.clear()
  }
  return {
    address: `tcp:127.0.0.1:${listening}`,
    get downstreamBytes() {
      return downstream
    },
    cut,
    async close() {
      cut()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}
