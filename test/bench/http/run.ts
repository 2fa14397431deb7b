/**
 * `npm run bench:http`: req/s and server CPU per request of one echo-and-persist route, plain and
 * with the full fieldseal pipeline, on Express and on Koa.
 *
 *     npx tsx test/bench/http/run.ts [--duration 10] [--warmup 2] [--connections 10] [--rounds 1]
 *       [--only express|koa] [--from src|dist] [--naive] [--inbound-enc] [--cpu-prof]
 *
 * Each server runs in its own child process (server.ts) on 127.0.0.1 and is loaded by autocannon
 * from this process: a warm-up, then the measured run. CPU time is process.cpuUsage() in the child,
 * sampled over IPC right before and after the measured run, divided by the requests it handled.
 * With several rounds, each figure is the median. `--inbound-enc` sends the ssn already encrypted
 * (so the inbound step decrypts one value); `--naive` adds the same work done by hand with
 * node:crypto (the reference point); `--from dist` builds first and runs the tsc output
 * (what users install) instead of the sources through tsx; `--cpu-prof` writes V8 profiles of the
 * fieldseal servers to .data/bench-profiles/. This is a benchmark, not a test: it asserts nothing.
 *
 * @module
 */
import { fork, spawnSync, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdirSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import autocannon from 'autocannon'
import { createFieldseal } from '../../../src/core/fieldseal.js'
import type { Sample } from './server.js'

type Framework = 'express' | 'koa'
type Mode = 'plain' | 'fieldseal' | 'naive'

const { values: args } = parseArgs({
  options: {
    duration: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '2' },
    connections: { type: 'string', default: '10' },
    rounds: { type: 'string', default: '1' },
    only: { type: 'string' },
    'inbound-enc': { type: 'boolean', default: false },
    naive: { type: 'boolean', default: false },
    from: { type: 'string', default: 'src' },
    'cpu-prof': { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
})
if (args.help) {
  console.log(
    'usage: tsx test/bench/http/run.ts [--duration 10] [--warmup 2] [--connections 10] [--rounds 1]\n' +
      '  [--only express|koa] [--from src|dist] [--naive] [--inbound-enc] [--cpu-prof]',
  )
  process.exit(0)
}
const duration = Number(args.duration)
const warmup = Number(args.warmup)
const connections = Number(args.connections)
const rounds = Number(args.rounds)
const frameworks: Framework[] =
  args.only === undefined ? ['express', 'koa'] : [args.only as Framework]
const modes: Mode[] = args.naive ? ['plain', 'fieldseal', 'naive'] : ['plain', 'fieldseal']
if (args.from !== 'src' && args.from !== 'dist') throw new TypeError('--from is src or dist')
const TARGETS: Record<Framework, number> = { express: 0.85, koa: 0.55 }
const SERVER = fileURLToPath(new URL('./server.ts', import.meta.url))
const ROOT = fileURLToPath(new URL('../../../', import.meta.url))
const PROFILES = fileURLToPath(new URL('../../../.data/bench-profiles/', import.meta.url))

const key = randomBytes(32).toString('base64')
const ssn = '078-05-1120'
const body = JSON.stringify({
  id: 'c_1842',
  name: 'Ada Lovelace',
  ssn: args['inbound-enc']
    ? createFieldseal({ keys: [key] }).encryptField(ssn, { context: 'ssn' })
    : ssn,
  card_number: '4111111111111111',
  bank_account_number: '000123456789',
  plan: 'gold',
})

interface Measure {
  readonly rps: number
  readonly p50: number
  readonly p99: number
  readonly cpuPerRequest: number
  readonly failures: number
}

interface Child {
  readonly process: ChildProcess
  readonly url: string
  sample(): Promise<Sample>
  stop(): Promise<void>
}

async function startServer(framework: Framework, mode: Mode): Promise<Child> {
  const profile = args['cpu-prof'] && mode === 'fieldseal'
  if (profile) mkdirSync(PROFILES, { recursive: true })
  const child = fork(SERVER, [framework, mode], {
    execArgv: ['--import', 'tsx', ...(profile ? ['--cpu-prof', `--cpu-prof-dir=${PROFILES}`] : [])],
    env: { ...process.env, BENCH_KEY: key, BENCH_FROM: args.from, NODE_ENV: 'production' },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  })
  const port = await new Promise<number>((resolve, reject) => {
    child.once('message', (message: { type: string; port: number }) => resolve(message.port))
    child.once('exit', (code) => reject(new Error(`server exited (${code}) before it was ready`)))
  })
  return {
    process: child,
    url: `http://127.0.0.1:${port}/customers`,
    sample: () =>
      new Promise((resolve) => {
        child.once('message', (message: Sample) => resolve(message))
        child.send({ type: 'sample' })
      }),
    stop: () =>
      new Promise((resolve) => {
        child.once('exit', () => resolve())
        child.send({ type: 'exit' })
      }),
  }
}

/** One request first: the route must answer what its mode promises, or the numbers mean nothing. */
async function check(child: Child, mode: Mode): Promise<void> {
  const response = await fetch(child.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
  })
  const echoed = (await response.json()) as Record<string, unknown>
  const { stored } = await child.sample()
  const storedSsn = (stored as Record<string, unknown>).ssn
  const ok =
    response.status === 201 &&
    (mode === 'plain'
      ? echoed.ssn === JSON.parse(body).ssn && storedSsn === echoed.ssn
      : echoed.ssn === '*******1120' &&
        echoed.card_number === '************1111' &&
        typeof storedSsn === 'string' &&
        storedSsn.startsWith(mode === 'naive' ? 'enc:' : 'enc:v1:') &&
        storedSsn !== JSON.parse(body).ssn)
  if (!ok) throw new Error(`${mode} server answered ${response.status} ${JSON.stringify(echoed)}`)
}

async function measure(framework: Framework, mode: Mode): Promise<Measure> {
  const child = await startServer(framework, mode)
  try {
    await check(child, mode)
    const load = {
      url: child.url,
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
      connections,
    }
    await autocannon({ ...load, duration: warmup })
    const before = await child.sample()
    const result = await autocannon({ ...load, duration })
    const after = await child.sample()
    const cpu = after.user + after.system - (before.user + before.system)
    return {
      rps: result.requests.average,
      p50: result.latency.p50,
      p99: result.latency.p99,
      cpuPerRequest: cpu / Math.max(1, after.handled - before.handled),
      failures: result.errors + result.timeouts + result.non2xx,
    }
  } finally {
    await child.stop()
  }
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2
}

function summarise(measures: Measure[]): Measure {
  return {
    rps: median(measures.map((m) => m.rps)),
    p50: median(measures.map((m) => m.p50)),
    p99: median(measures.map((m) => m.p99)),
    cpuPerRequest: median(measures.map((m) => m.cpuPerRequest)),
    failures: measures.reduce((sum, m) => sum + m.failures, 0),
  }
}

console.log(
  `bench:http — node ${process.version}, ${connections} connections, ${warmup} s warm-up + ${duration} s per run, ` +
    `${rounds} round(s), fieldseal from ${args.from}${args['inbound-enc'] ? ', ssn sent encrypted' : ''}`,
)
const rows: string[] = []
const verdicts: string[] = []
if (args.from === 'dist') {
  const build = spawnSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'inherit' })
  if (build.status !== 0) throw new Error('npm run build failed')
}
for (const framework of frameworks) {
  const runs: Record<Mode, Measure[]> = { plain: [], fieldseal: [], naive: [] }
  for (let round = 0; round < rounds; round++) {
    // Alternate the order so that drift over time does not favour one mode.
    const order = round % 2 === 0 ? modes : [...modes].reverse()
    for (const mode of order) {
      runs[mode].push(await measure(framework, mode))
      process.stderr.write('.')
    }
  }
  const plain = summarise(runs.plain)
  const name = framework === 'express' ? 'Express 5' : 'Koa 3'
  for (const mode of modes) {
    const m = summarise(runs[mode])
    const ratio = m.rps / plain.rps
    rows.push(
      `| ${name} | ${mode} | ${Math.round(m.rps).toLocaleString('en')} | ${ratio.toFixed(2)}× | ${m.p50} / ${m.p99} | ${Math.round(m.cpuPerRequest)} |` +
        (m.failures > 0 ? ` ${m.failures} failed` : ''),
    )
    if (mode === 'plain') continue
    const target =
      mode === 'fieldseal'
        ? ` (target ≥ ${TARGETS[framework].toFixed(2)}×) — ${ratio >= TARGETS[framework] ? 'met' : 'MISSED'}`
        : ''
    verdicts.push(
      `${name} ${mode}: ${ratio.toFixed(2)}×${target}; adds ${Math.round(m.cpuPerRequest - plain.cpuPerRequest)} µs CPU per request`,
    )
  }
}
process.stderr.write('\n')
console.log('\n| framework | app | req/s | vs plain | latency p50 / p99 (ms) | server CPU µs/req |')
console.log('|---|---|---:|---:|---:|---:|')
for (const row of rows) console.log(row)
console.log('')
for (const verdict of verdicts) console.log(verdict)
if (args['cpu-prof']) console.log(`\nCPU profiles of the fieldseal servers: ${PROFILES}`)
