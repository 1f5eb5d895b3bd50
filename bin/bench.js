#!/usr/bin/env node
// `npm run bench -- NAME [ARGS]` runs bench/NAME/index.ts; with no name, lists the benchmarks.
import { readdirSync, existsSync } from 'node:fs'
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))
const names = readdirSync(new URL('../bench', import.meta.url), { withFileTypes: true })
  .filter((d) => d.isDirectory() && existsSync(new URL(`../bench/${d.name}/index.ts`, import.meta.url)))
  .map((d) => d.name)
const [name, ...args] = process.argv.slice(2)
if (!name || !names.includes(name)) {
  console.error(`usage: npm run bench -- NAME [ARGS]\nbenchmarks: ${names.join(', ') || '(none yet)'}`)
  process.exit(name ? 2 : 0)
}
const result = spawnSync(process.execPath, ['--import', 'tsx', `bench/${name}/index.ts`, ...args], {
  cwd: root,
  stdio: 'inherit',
})
process.exit(result.status ?? 1)
