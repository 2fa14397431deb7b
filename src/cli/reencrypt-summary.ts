/**
 * What `reencrypt` reports when it ends: counts, the checkpoint to resume from, and why records
 * were left unchanged (code, path, key id — never a value).
 *
 * @module
 */
import type { FieldsealError } from '../errors.js'

/** Most failures listed in a summary; the count covers them all. */
export const MAX_LISTED_FAILURES = 100
const MAX_PRINTED_FAILURES = 20

/** One record left unchanged. */
export interface RecordFailure {
  /** Position in the input, from 0. */
  readonly index: number
  readonly code: string
  readonly path?: string
  readonly kid?: string
}

/** The outcome of a run. */
export interface ReencryptSummary {
  readonly input: string
  readonly output: string
  /** Key id every value now uses. */
  readonly activeKid: string | null
  /** Records skipped at the start (already in the output). */
  readonly startAfter: number
  /** Records in the output counting the skipped ones: pass it to `--start-after` to resume. */
  readonly checkpoint: number
  /** Records this run wrote. */
  readonly written: number
  readonly changed: number
  readonly unchanged: number
  readonly failed: number
  /** False when the run stopped before the end of the input. */
  readonly complete: boolean
  /** Why it stopped early: `interrupted`, `stop-on-error` or an error code. */
  readonly stoppedBy: string | null
  readonly failures: readonly RecordFailure[]
}

/**
 * A failure as listed: the error's code, path and key id.
 *
 * @example
 * ```ts
 * failureOf(12, error) // { index: 12, code: 'ERR_FIELDSEAL_UNKNOWN_KEY', path: 'ssn', kid: 'k1' }
 * ```
 */
export function failureOf(index: number, error: FieldsealError): RecordFailure {
  return {
    index,
    code: error.code,
    ...(error.path === undefined ? {} : { path: error.path }),
    ...(error.kid === undefined ? {} : { kid: error.kid }),
  }
}

/**
 * The summary for people.
 *
 * @example
 * ```ts
 * out.result(summary, () => summaryText(summary, resumeHint))
 * ```
 */
export function summaryText(summary: ReencryptSummary, resume: string): string {
  const lines = [
    `${summary.written} record(s) written to ${summary.output}: ${summary.changed} re-encrypted ` +
      `to key ${summary.activeKid ?? '-'}, ${summary.unchanged} with nothing to move, ` +
      `${summary.failed} failed`,
  ]
  if (summary.startAfter > 0) lines.push(`skipped the first ${summary.startAfter} record(s)`)
  for (const failure of summary.failures.slice(0, MAX_PRINTED_FAILURES)) {
    const where = failure.path === undefined ? '' : ` at ${failure.path}`
    const key = failure.kid === undefined ? '' : ` (key ${failure.kid})`
    lines.push(`  record ${failure.index}: ${failure.code}${where}${key}`)
  }
  if (summary.failed > MAX_PRINTED_FAILURES) {
    lines.push(
      `  … and ${summary.failed - MAX_PRINTED_FAILURES} more (--json lists ${MAX_LISTED_FAILURES})`,
    )
  }
  if (!summary.complete) {
    lines.push(
      `stopped (${summary.stoppedBy}) after ${summary.checkpoint} record(s); resume with: ${resume}`,
    )
  }
  return `${lines.join('\n')}\n`
}
