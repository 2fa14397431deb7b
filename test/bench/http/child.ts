/**
 * One bench server in a child process (server.ts), as run.ts drives it: start, sample its CPU
 * time and requests over IPC, stop. Optionally pinned to one CPU, and profiled.
 *
 * @module
 */
import { fork, spawnSync, type ChildProcess } from 'node:child_process'
import { mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Sample } from './server.js'

export type Framework = 'express' | 'koa'
export type Mode = 'plain' | 'floor' | 'fieldseal' | 'naive'

const SERVER = fileURLToPath(new URL('./server.ts', import.meta.url))

/** How to start the children. */
export interface ChildOptions {
  /** Base64 key for every mode but plain. */
  readonly key: string
  readonly from: 'src' | 'dist'
  /** CPU the server runs on (`taskset`), or `undefined` to let the scheduler choose. */
  readonly cpu: number | undefined
  /** Folder for a V8 CPU profile of the child (`--cpu-prof`), or `undefined` for none. */
  readonly profiles: string | undefined
}

/** What profile-summary.ts needs to know of a profiled server. */
export interface ProfileMeta {
  /** Requests handled in all. */
  readonly handled: number
  /** Measured CPU time per request (µs), over the measured turns. */
  readonly cpuPerRequest?: number
}

/** A started server. */
export interface Child {
  readonly url: string
  sample(): Promise<Sample>
  /** Stops the server; with a profile, writes `meta` beside it (`.json`) for profile-summary.ts. */
  stop(meta: ProfileMeta): Promise<void>
}

/** Pins a process (all its threads) to one CPU; throws when taskset fails. */
export function pin(pid: number, cpu: number): void {
  const result = spawnSync('taskset', ['-a', '-p', '-c', String(cpu), String(pid)], {
    stdio: 'ignore',
  })
  if (result.status !== 0) throw new Error(`taskset could not pin process ${pid} to CPU ${cpu}`)
}

/** Sampling interval of the profiles, µs (V8's default, 1000, gives few samples per request). */
const PROFILE_INTERVAL_US = 250
let started = 0

/**
 * Moves the main thread's profile (thread id 0 in Node's default name
 * `CPU.<date>.<time>.<pid>.<tid>.<seq>.cpuprofile`) to `target`, writes `meta` beside it
 * (`.json`, read by profile-summary.ts) and removes the folder.
 */
function keepMainThreadProfile(folder: string, target: string, meta: ProfileMeta): void {
  const main = readdirSync(folder).find((file) =>
    /^CPU\.\d+\.\d+\.\d+\.0\.\d+\.cpuprofile$/.test(file),
  )
  if (main === undefined) throw new Error(`no main-thread profile in ${folder}`)
  renameSync(join(folder, main), target)
  writeFileSync(target.replace(/\.cpuprofile$/, '.json'), `${JSON.stringify(meta)}\n`)
  rmSync(folder, { recursive: true, force: true })
}

/** Starts server.ts for `framework` and `mode` and waits until it listens. */
export async function startServer(
  framework: Framework,
  mode: Mode,
  options: ChildOptions,
): Promise<Child> {
  const name = `${framework}-${mode}-${++started}`
  // Each child profiles into a folder of its own: tsx's loader thread writes a profile too.
  const folder = options.profiles === undefined ? undefined : join(options.profiles, name)
  if (folder !== undefined) mkdirSync(folder, { recursive: true })
  const profile =
    folder === undefined
      ? []
      : ['--cpu-prof', `--cpu-prof-dir=${folder}`, `--cpu-prof-interval=${PROFILE_INTERVAL_US}`]
  const child: ChildProcess = fork(SERVER, [framework, mode], {
    execArgv: ['--import', 'tsx', ...profile],
    env: {
      ...process.env,
      BENCH_KEY: options.key,
      BENCH_FROM: options.from,
      NODE_ENV: 'production',
    },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  })
  if (options.cpu !== undefined && child.pid !== undefined) pin(child.pid, options.cpu)
  const port = await new Promise<number>((resolve, reject) => {
    child.once('message', (message: { type: string; port: number }) => resolve(message.port))
    child.once('exit', (code) => reject(new Error(`server exited (${code}) before it was ready`)))
  })
  return {
    url: `http://127.0.0.1:${port}/customers`,
    sample: () =>
      new Promise((resolve) => {
        child.once('message', (message: Sample) => resolve(message))
        child.send({ type: 'sample' })
      }),
    stop: (meta) =>
      new Promise((resolve) => {
        child.once('exit', () => {
          if (folder !== undefined) keepMainThreadProfile(folder, `${folder}.cpuprofile`, meta)
          resolve()
        })
        child.send({ type: 'exit' })
      }),
  }
}
