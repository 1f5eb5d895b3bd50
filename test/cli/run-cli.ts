/** Runs bin/clearskies.js as a person would, and gathers its output and exit code. */
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const BIN = fileURLToPath(new URL('../../bin/clearskies.js', import.meta.url))

export interface CliResult {
  code: number | null
  stdout: string
  stderr: string
}

/** `wrap` runs the CLI under another command (`nsenter -t PID -n --`, to start it in a network namespace). */
export function runCli(
  args: string[],
  stdin: Uint8Array | string = '',
  wrap: readonly string[] = [],
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const [command, ...rest] = [...wrap, process.execPath, BIN, ...args] as [string, ...string[]]
    const child = spawn(command, rest, { stdio: ['pipe', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d))
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d))
    child.on('error', reject)
    child.on('close', (code) => resolve({ code, stdout, stderr }))
    child.stdin.end(stdin)
  })
}
