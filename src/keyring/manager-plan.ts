/**
 * What a key manager plan is (a change to run against the freshest document, with the actor
 * to report) and the small helpers every plan is built from.
 *
 * @module
 */
import { optionsObject, rejectUnknownOptions } from '../util/option-checks.js'
import type { ChangeInput, ChangeOutput } from './key-session.js'
import type { MintContext } from './key-mint.js'
import type { KeyManagerConfig } from './manager-options.js'
import type { KeyRecord } from './types.js'

/** Facts of one audit event a plan reports (the manager adds operation, outcome and actor). */
export interface PlanEvent {
  readonly kid?: string
  readonly keyType?: string
  readonly version?: number
  readonly count?: number
}

/** What a plan produced: the keys it touched and the events to report. */
export interface PlanResult {
  readonly keys: readonly KeyRecord[]
  readonly events: readonly PlanEvent[]
}

/** A change to run against the freshest document. */
export interface Plan {
  (input: ChangeInput): ChangeOutput<PlanResult>
  readonly actor: string
}

/**
 * Checks a call's options object once, before any plan runs; returns its defined entries.
 *
 * @example
 * ```ts
 * const o = callOptions(options, ['actor'], 'deactivateKey')
 * ```
 */
export function callOptions(
  options: unknown,
  known: string[],
  where: string,
): Record<string, unknown> {
  const defined = optionsObject(options, where)
  rejectUnknownOptions(defined, known, where)
  return defined
}

/**
 * Makes `run` a {@link Plan} reported as made by `actor`.
 *
 * @example
 * ```ts
 * return plan('ops', ({ keys }) => touched(keys, record))
 * ```
 */
export function plan(actor: string, run: (input: ChangeInput) => ChangeOutput<PlanResult>): Plan {
  return Object.assign(run, { actor })
}

/**
 * One audit event per record: its id, type and version.
 *
 * @example
 * ```ts
 * const result = { keys: created, events: described(created) }
 * ```
 */
export function described(records: readonly KeyRecord[]): PlanEvent[] {
  return records.map((r) => ({ kid: r.id, keyType: r.type, version: r.version }))
}

/**
 * The output of a plan that saves `records` and touched the one key `record`.
 *
 * @example
 * ```ts
 * return touched([...keys, fresh], fresh)
 * ```
 */
export function touched(
  records: readonly KeyRecord[],
  record: KeyRecord,
): ChangeOutput<PlanResult> {
  return { keys: records, result: { keys: [record], events: described([record]) } }
}

/**
 * What minting needs at the moment a plan runs: the clock's time and the key lifetime.
 *
 * @example
 * ```ts
 * const fresh = mintRecord(keys, master, 'data', mint(config, ttlDays))
 * ```
 */
export function mint(config: KeyManagerConfig, ttlDays: number | null): MintContext {
  return { now: config.now(), ttlDays }
}
