/** Serves the built app (dist/) on 127.0.0.1 for the shell tests, and can be stopped to go offline. */
import { preview, type PreviewServer } from 'vite'

export async function startPreview(port = 0): Promise<{ url: string; stop: () => Promise<void> }> {
  const server: PreviewServer = await preview({
    preview: { host: '127.0.0.1', port, strictPort: port !== 0 },
    logLevel: 'warn',
  })
  const address = server.httpServer.address()
  if (!address || typeof address === 'string') throw new Error('preview server has no TCP address')
  return {
    url: `http://127.0.0.1:${address.port}`,
    stop: () => server.close(),
  }
}
