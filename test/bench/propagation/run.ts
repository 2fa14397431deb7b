/**
 * How fast a rotation reaches running instances. Per store (a JSON file, a PostgreSQL table), 3
 * application instances run as separate processes with the refresh timer at its default (60 s)
 * and seal a value every millisecond; this process rotates the data key N times, at random
 * intervals, and times each rotation from the call to `rotateKey` until every instance seals
 * under the new key.
 *
 *     npm run bench:propagation -- [rotations, default 30] [file|postgres|both, default both]
 *
 * PostgreSQL on 127.0.0.1:5432, database `test` (as the integration tests); the table and the
 * temp folder are removed afterwards.
 *
 * @module
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { FileKeyStore, openKeyManager, PostgresKeyStore, type KeyStore } from 'fieldseal/keyring'
import { openPool, uniqueTable } from '../../integration/pg-helpers.js'

const INSTANCES = 3
const rotations = Number(process.argv[2] ?? 30)
const which = process.argv[3] ?? 'both'
const masterKey = randomBytes(32).toString('base64')
const root = fileURLToPath(new URL('../../../', import.meta.url))
const now = () => performance.timeOrigin + performance.now()
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

interface Instance {
  readonly child: ChildProcess
  /** When it first sealed under each key id. */
  readonly seen: Map<string, number>
  readonly ready: Promise<void>
}

function start(spec: string): Instance {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', join(root, 'test/bench/propagation/instance.ts')],
    {
      cwd: root,
      env: { ...process.env, FIELDSEAL_MASTER_KEY: masterKey, PROPAGATION_STORE: spec },
      stdio: ['pipe', 'pipe', 'inherit'],
    },
  )
  const seen = new Map<string, number>()
  let buffered = ''
  const ready = new Promise<void>((resolve) => {
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      buffered += chunk
      const lines = buffered.split('\n')
      buffered = lines.pop() ?? ''
      for (const line of lines) {
        if (line === 'ready') resolve()
        const match = /^seen (\S+) (\S+)$/.exec(line)
        if (match) seen.set(match[1] as string, Number(match[2]))
      }
    })
  })
  return { child, seen, ready }
}

function quantile(sorted: readonly number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number
}

const ms = (value: number) => `${value.toFixed(1)} ms`

async function measure(label: string, store: KeyStore, spec: string): Promise<void> {
  const manager = await openKeyManager({ store, masterKey, env: {}, create: true })
  await manager.initEncryptionKeys()
  const instances = Array.from({ length: INSTANCES }, () => start(spec))
  await Promise.all(instances.map((instance) => instance.ready))
  const perInstance: number[] = []
  const allThree: number[] = []
  try {
    for (let i = 0; i < rotations; i++) {
      await sleep(100 + Math.random() * 200)
      const asked = now()
      const { id } = await manager.rotateKey('data', { rotatedBy: 'bench' })
      const deadline = asked + 70_000 // past the 60 s timer: a lost notice still gets measured
      while (instances.some((instance) => !instance.seen.has(id)) && now() < deadline)
        await sleep(1)
      const latencies = instances.map((instance) => (instance.seen.get(id) ?? Number.NaN) - asked)
      perInstance.push(...latencies)
      allThree.push(Math.max(...latencies))
    }
  } finally {
    for (const instance of instances) instance.child.stdin?.end()
    await Promise.all(
      instances.map((instance) => new Promise((resolve) => instance.child.once('exit', resolve))),
    )
    await manager.close()
  }
  const every = [...allThree].sort((a, b) => a - b)
  const each = [...perInstance].sort((a, b) => a - b)
  console.log(
    `${label}: ${rotations} rotations, ${INSTANCES} instances (refresh timer 60 s)\n` +
      `  until every instance seals with the new key: median ${ms(quantile(every, 0.5))}, ` +
      `p90 ${ms(quantile(every, 0.9))}, max ${ms(every[every.length - 1] as number)}\n` +
      `  per instance: median ${ms(quantile(each, 0.5))}, max ${ms(each[each.length - 1] as number)}`,
  )
}

if (which === 'file' || which === 'both') {
  const folder = mkdtempSync(join(tmpdir(), 'fieldseal-propagation-'))
  try {
    const path = join(folder, 'keyring.json')
    await measure('FileKeyStore (file watch)', new FileKeyStore(path), `file:${path}`)
  } finally {
    rmSync(folder, { recursive: true, force: true })
  }
}
if (which === 'postgres' || which === 'both') {
  const pool = await openPool(2)
  const table = uniqueTable('bench_propagation')
  try {
    await measure(
      'PostgresKeyStore (LISTEN/NOTIFY)',
      new PostgresKeyStore(pool, { table }),
      `postgres:${table}`,
    )
  } finally {
    await pool.query(`DROP TABLE IF EXISTS "${table}"`)
    await pool.end()
  }
}
