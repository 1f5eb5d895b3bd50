import { defineConfig } from 'vite'
import { VitePWA } from 'vite-plugin-pwa'

// The app is a PWA: our own short service worker (workers/sw.ts) gets the precache manifest
// injected at build time; the web app manifest is generated from the fields below.
export default defineConfig({
  build: { target: 'es2022', sourcemap: true },
  // simple-peer (src/net/rtc-link.ts) expects Node's `global` and `events`; the browser gets
  // globalThis and the `events` package. No other Node shim is needed.
  define: { global: 'globalThis' },
  resolve: { alias: { events: 'events/' } },
  worker: { format: 'es' },
  plugins: [
    VitePWA({
      strategies: 'injectManifest',
      srcDir: 'workers',
      filename: 'sw.ts',
      registerType: 'prompt',
      injectRegister: false,
      injectManifest: { globPatterns: ['**/*.{js,css,html,png,svg,webmanifest,wasm}'] },
      includeAssets: ['favicon.png', 'icons/apple-touch-icon.png'],
      manifest: {
        id: '/',
        name: 'ClearSkies',
        short_name: 'ClearSkies',
        description: 'Sync folders between your devices and friends, directly, from the browser.',
        start_url: '/',
        scope: '/',
        display: 'standalone',
        background_color: '#f4f7fb',
        theme_color: '#1f78d1',
        icons: [
          { src: 'icons/icon-192.png', sizes: '192x192', type: 'image/png', purpose: 'any' },
          { src: 'icons/icon-512.png', sizes: '512x512', type: 'image/png', purpose: 'any' },
          { src: 'icons/maskable-512.png', sizes: '512x512', type: 'image/png', purpose: 'maskable' },
        ],
        categories: ['productivity', 'utilities'],
        // Share links open the app: web+clearskies:SYNC… arrives as /#web%2Bclearskies%3ASYNC…
        protocol_handlers: [{ protocol: 'web+clearskies', url: '/#%s' }],
        // Files shared from other apps (a phone's share sheet) land in a share: workers/sw.ts.
        share_target: {
          action: '/share-target',
          method: 'POST',
          enctype: 'multipart/form-data',
          params: { title: 'title', text: 'text', url: 'url', files: [{ name: 'files', accept: ['*/*'] }] },
        },
        launch_handler: { client_mode: 'navigate-existing' },
      },
    }),
  ],
})
