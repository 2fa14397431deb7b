/**
 * `npm run bench:http`: req/s and server CPU per request of one echo-and-persist route, plain,
 * with the floor (the least work giving the same result, by hand: floor.ts) and with the full
 * fieldseal pipeline, on Express and on Koa.
 *
 *     npx tsx test/bench/http/run.ts [--duration 10] [--slice 1] [--warmup 2] [--connections 10]
 *       [--rounds 1] [--only express|koa] [--from src|dist] [--naive] [--inbound-enc] [--pin]
 *       [--cpu-prof]
 *
 * Each server runs in its own child process (server.ts) on 127.0.0.1 and is loaded by autocannon
 * from this process. All servers of a framework run side by side and take turns, one `--slice`
 * (seconds) each, in an order that rotates, until each had `--duration` seconds of load: on a
 * shared machine, other work then slows every mode alike. CPU time is process.cpuUsage() in the
 * child, sampled over IPC around each slice, divided by the requests it handled; "added" is that
 * minus plain's. With several rounds (fresh servers each), each figure is the median. The target
 * (issue 11): fieldseal's added CPU at most 1.25× the floor's.
 *
 * Every server answers one request first and is checked (check.ts); the floor's response must
 * equal fieldseal's byte for byte and its stored values must open with fieldseal, or the run
 * stops. `--inbound-enc` sends the ssn already encrypted (so the inbound step decrypts one
 * value); `--naive` adds the same work as fieldseal's done by hand with untuned node:crypto;
 * `--from dist` builds first and runs the tsc output (what users install) instead of the sources
 * through tsx; `--pin` runs the servers on CPU 0 and autocannon on CPU 1 (taskset); `--cpu-prof`
 * writes a V8 profile of every server, with its request count, to .data/bench-profiles/ (read
 * them with profile-summary.ts). The load average is printed before and after: read the figures
 * with it.
 *
 * @module
 */
import { spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { rmSync } from 'node:fs'
import { loadavg } from 'node:os'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import autocannon from 'autocannon'
import { createFieldseal } from '../../../src/core/fieldseal.js'
import { ask, checkAnswer, type Answer } from './check.js'
import {
  pin,
  startServer,
  type Child,
  type ChildOptions,
  type Framework,
  type Mode,
} from './child.js'
import { median, report, type Measure } from './report.js'

const { values: args } = parseArgs({
  options: {
    duration: { type: 'string', default: '10' },
    slice: { type: 'string', default: '1' },
    warmup: { type: 'string', default: '2' },
    connections: { type: 'string', default: '10' },
    rounds: { type: 'string', default: '1' },
    only: { type: 'string' },
    'inbound-enc': { type: 'boolean', default: false },
    naive: { type: 'boolean', default: false },
    from: { type: 'string', default: 'src' },
    pin: { type: 'boolean', default: false },
    'cpu-prof': { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
})
if (args.help) {
  console.log(
    'usage: tsx test/bench/http/run.ts [--duration 10] [--slice 1] [--warmup 2] [--connections 10]\n' +
      '  [--rounds 1] [--only express|koa] [--from src|dist] [--naive] [--inbound-enc] [--pin]\n' +
      '  [--cpu-prof]',
  )
  process.exit(0)
}
const duration = Number(args.duration)
const slice = Number(args.slice)
const warmup = Number(args.warmup)
const connections = Number(args.connections)
const rounds = Number(args.rounds)
const frameworks: Framework[] =
  args.only === undefined ? ['express', 'koa'] : [args.only as Framework]
const modes: Mode[] = ['plain', 'floor', 'fieldseal', ...(args.naive ? ['naive' as const] : [])]
if (args.from !== 'src' && args.from !== 'dist') throw new TypeError('--from is src or dist')
const ROOT = fileURLToPath(new URL('../../../', import.meta.url))
const PROFILES = fileURLToPath(new URL('../../../.data/bench-profiles/', import.meta.url))

const key = randomBytes(32).toString('base64')
const opener = createFieldseal({ keys: [key] })
const plaintext = {
  id: 'c_1842',
  name: 'Ada Lovelace',
  ssn: '078-05-1120',
  card_number: '4111111111111111',
  bank_account_number: '000123456789',
  plan: 'gold',
}
const sent = args['inbound-enc']
  ? { ...plaintext, ssn: opener.encryptField(plaintext.ssn, { context: 'ssn' }) as string }
  : plaintext
const body = JSON.stringify(sent)
const options: ChildOptions = {
  key,
  from: args.from,
  cpu: args.pin ? 0 : undefined,
  profiles: args['cpu-prof'] ? PROFILES : undefined,
}

/** fieldseal's answer to the bench request: what the floor must match. */
async function referenceAnswer(framework: Framework): Promise<Answer> {
  const child = await startServer(framework, 'fieldseal', { ...options, profiles: undefined })
  try {
    const answer = await ask(child, body)
    checkAnswer('fieldseal', answer, { sent, plaintext }, opener, undefined)
    return answer
  } finally {
    await child.stop({ handled: 1 })
  }
}

const loadOf = (child: Child, seconds: number) =>
  autocannon({
    url: child.url,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
    connections,
    duration: seconds,
  })

interface Tally {
  cpu: number
  system: number
  handled: number
  seconds: number
  failures: number
  readonly p50: number[]
  readonly p99: number[]
}

/** One round: every mode's server started, checked, warmed up, then loaded in turns. */
async function round(framework: Framework, reference: Answer): Promise<Record<Mode, Measure>> {
  const children = new Map<Mode, Child>()
  const tallies = new Map<Mode, Tally>()
  try {
    for (const mode of modes) {
      const child = await startServer(framework, mode, options)
      children.set(mode, child)
      tallies.set(mode, {
        cpu: 0,
        system: 0,
        handled: 0,
        seconds: 0,
        failures: 0,
        p50: [],
        p99: [],
      })
      checkAnswer(mode, await ask(child, body), { sent, plaintext }, opener, reference)
      await loadOf(child, warmup)
    }
    const slices = Math.max(1, Math.round(duration / slice))
    for (let turn = 0; turn < slices; turn++) {
      // Rotate the order, and reverse it every other turn, so no mode always follows another.
      const rotated = modes.map((_, i) => modes[(i + turn) % modes.length] as Mode)
      for (const mode of turn % 2 === 0 ? rotated : rotated.reverse()) {
        const child = children.get(mode) as Child
        const tally = tallies.get(mode) as Tally
        const before = await child.sample()
        const started = process.hrtime.bigint()
        const result = await loadOf(child, slice)
        tally.seconds += Number(process.hrtime.bigint() - started) / 1e9
        const after = await child.sample()
        tally.cpu += after.user + after.system - (before.user + before.system)
        tally.system += after.system - before.system
        tally.handled += after.handled - before.handled
        tally.failures += result.errors + result.timeouts + result.non2xx
        tally.p50.push(result.latency.p50)
        tally.p99.push(result.latency.p99)
      }
      process.stderr.write('.')
    }
  } finally {
    for (const [mode, child] of children) {
      const { cpu, handled } = tallies.get(mode) as Tally
      const meta = { handled: (await child.sample()).handled, cpuPerRequest: cpu / handled }
      await child.stop(meta)
    }
  }
  const measures = {} as Record<Mode, Measure>
  for (const [mode, tally] of tallies) {
    measures[mode] = {
      rps: tally.handled / tally.seconds,
      p50: median(tally.p50),
      p99: median(tally.p99),
      cpuPerRequest: tally.cpu / Math.max(1, tally.handled),
      systemPerRequest: tally.system / Math.max(1, tally.handled),
      failures: tally.failures,
    }
  }
  return measures
}

const load = () =>
  loadavg()
    .map((value) => value.toFixed(2))
    .join(' ')
console.log(
  `bench:http — node ${process.version}, ${connections} connections, ${warmup} s warm-up, ` +
    `${duration} s per mode in ${slice} s turns, ${rounds} round(s), fieldseal from ${args.from}` +
    `${args['inbound-enc'] ? ', ssn sent encrypted' : ''}` +
    `${args.pin ? ', servers on CPU 0, load on CPU 1' : ''}; load average ${load()}`,
)
if (args.pin) pin(process.pid, 1)
if (args['cpu-prof']) rmSync(PROFILES, { recursive: true, force: true })
if (args.from === 'dist') {
  const build = spawnSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'inherit' })
  if (build.status !== 0) throw new Error('npm run build failed')
}
const results = new Map<Framework, Array<Record<Mode, Measure>>>()
for (const framework of frameworks) {
  const reference = await referenceAnswer(framework)
  const runs: Array<Record<Mode, Measure>> = []
  for (let r = 0; r < rounds; r++) runs.push(await round(framework, reference))
  results.set(framework, runs)
}
process.stderr.write('\n')
console.log(report(results, modes))
console.log(`load average after: ${load()}`)
if (args['cpu-prof']) console.log(`\nCPU profiles of the servers: ${PROFILES}`)
