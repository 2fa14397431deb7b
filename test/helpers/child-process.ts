/**
 * Running the keyring helper scripts in child processes (`node --import tsx`).
 *
 * @module
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { helperScript, PROJECT_ROOT } from './keyring.js'

/** A running helper script and its output so far. */
export interface Child {
  readonly process: ChildProcess
  /** Resolves once the child printed a line equal to `line`. */
  waitForLine(line: string): Promise<void>
  /** Resolves with the exit code (or signal) and everything printed. */
  readonly exited: Promise<{
    code: number | null
    signal: string | null
    stdout: string
    stderr: string
  }>
}

/** Starts `test/helpers/<script>` with `args`, in the project root, with `env` added. */
export function startHelper(script: string, args: string[], env: Record<string, string>): Child {
  const child = spawn(process.execPath, ['--import', 'tsx', helperScript(script), ...args], {
    cwd: PROJECT_ROOT,
    env: { ...process.env, ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  })
  let stdout = ''
  let stderr = ''
  const waiters: Array<{ line: string; resolve: () => void }> = []
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk
    for (const waiter of waiters.splice(0)) {
      if (stdout.split('\n').includes(waiter.line)) waiter.resolve()
      else waiters.push(waiter)
    }
  })
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk
  })
  const exited = new Promise<{
    code: number | null
    signal: string | null
    stdout: string
    stderr: string
  }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal, stdout, stderr })))
  return {
    process: child,
    exited,
    waitForLine(line) {
      if (stdout.split('\n').includes(line)) return Promise.resolve()
      return new Promise<void>((resolve, reject) => {
        waiters.push({ line, resolve })
        void exited.then(({ code, stderr: err }) =>
          reject(new Error(`child exited (${code}) before "${line}": ${err}`)),
        )
      })
    },
  }
}
