#!/usr/bin/env node
// Runs the TypeScript CLI in place through tsx, so the repository needs no build step for Node.
import { register } from 'tsx/esm/api'

register()
await import('../src/cli/main.ts')
