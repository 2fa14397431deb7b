/**
 * The table and verdicts `bench:http` prints: per framework and mode, req/s and its ratio to
 * plain, latency, server CPU per request, the CPU added to plain's and that as a ratio to the
 * floor's (issue 11's target: fieldseal at most 1.25× the floor).
 *
 * @module
 */
import type { Framework, Mode } from './child.js'

/** One mode's figures in one round. */
export interface Measure {
  readonly rps: number
  /** Latency percentiles (ms), the median over the turns. */
  readonly p50: number
  readonly p99: number
  /** Server CPU time (user + system) per request handled, µs. */
  readonly cpuPerRequest: number
  /** The system (kernel) part of it: mostly the loopback socket writes. */
  readonly systemPerRequest: number
  readonly failures: number
}

/** fieldseal's added CPU per request at most this many times the floor's. */
export const TARGET = 1.25

const NAMES: Record<Framework, string> = { express: 'Express 5', koa: 'Koa 3' }

/** The median of `values` (the mean of the middle two for an even count). */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2
}

function summarise(measures: readonly Measure[]): Measure {
  const of = (pick: (m: Measure) => number) => median(measures.map(pick))
  return {
    rps: of((m) => m.rps),
    p50: of((m) => m.p50),
    p99: of((m) => m.p99),
    cpuPerRequest: of((m) => m.cpuPerRequest),
    systemPerRequest: of((m) => m.systemPerRequest),
    failures: measures.reduce((sum, m) => sum + m.failures, 0),
  }
}

/** The markdown table and one verdict line per framework, for rounds of every mode. */
export function report(
  results: ReadonlyMap<Framework, ReadonlyArray<Record<Mode, Measure>>>,
  modes: readonly Mode[],
): string {
  const lines = [
    '| framework | app | req/s | vs plain | latency p50 / p99 (ms) | server CPU µs/req (system) | added µs/req | added vs floor |',
    '|---|---|---:|---:|---:|---:|---:|---:|',
  ]
  const verdicts: string[] = []
  for (const [framework, runs] of results) {
    const summary = (mode: Mode) => summarise(runs.map((run) => run[mode]))
    const plain = summary('plain')
    const added = (mode: Mode) => summary(mode).cpuPerRequest - plain.cpuPerRequest
    const ratio = (mode: Mode) => `${(added(mode) / added('floor')).toFixed(2)}×`
    for (const mode of modes) {
      const m = summary(mode)
      const extra = mode === 'plain' ? ['', ''] : [Math.round(added(mode)), ratio(mode)]
      lines.push(
        `| ${NAMES[framework]} | ${mode} | ${Math.round(m.rps).toLocaleString('en')} | ` +
          `${(m.rps / plain.rps).toFixed(2)}× | ${m.p50} / ${m.p99} | ${Math.round(m.cpuPerRequest)} (${Math.round(m.systemPerRequest)}) | ` +
          `${extra.join(' | ')} |${m.failures > 0 ? ` ${m.failures} failed` : ''}`,
      )
    }
    const fieldseal = added('fieldseal') / added('floor')
    verdicts.push(
      `${NAMES[framework]}: fieldseal adds ${Math.round(added('fieldseal'))} µs CPU per request, ` +
        `the floor ${Math.round(added('floor'))} µs: ${fieldseal.toFixed(2)}× (target ≤ ${TARGET}×) — ` +
        (fieldseal <= TARGET ? 'met' : 'MISSED'),
    )
  }
  return `\n${lines.join('\n')}\n\n${verdicts.join('\n')}`
}
