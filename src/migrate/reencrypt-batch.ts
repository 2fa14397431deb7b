/**
 * Batch re-encryption over a stream of records: every value moves to the active key (legacy
 * values become v1), with a throttled progress callback and a checkpoint to resume from.
 *
 * Nothing is ever dropped: each record comes out once, in order — re-encrypted, or unchanged
 * with `error` set when one of its values cannot be opened (malformed, unknown key…). Errors
 * that are not about one record's data (no encryption key, a bug) stop the batch.
 *
 * @module
 */
import { FieldsealError } from '../errors.js'
import { configOf, type Fieldseal } from '../core/fieldseal.js'
import { assertRecordSource, type RecordSource } from './key-usage.js'
import {
  optionNames,
  optionsObject,
  positiveInteger,
  rejectUnknownOptions,
} from '../util/option-checks.js'
import type { FieldPaths } from '../core/options.js'
import { checkBatchOptions, reencryptRecord } from './reencrypt-record.js'

/** Progress of a batch. Pass `processed` back as `startAfter` to resume. */
export interface ReencryptProgress {
  /** Records handled from the start of the input (skipped ones included): the checkpoint. */
  readonly processed: number
  /** Records re-encrypted in this run. */
  readonly changed: number
  /** Records left unchanged because of an error, in this run. */
  readonly failed: number
}

/** One record of a batch. */
export interface ReencryptResult<T> {
  /** Position in the input, from 0, counting skipped records. */
  readonly index: number
  /** The re-encrypted record, or the original one when `changed` is false. */
  readonly record: T
  /** True when at least one value was moved to the active key. */
  readonly changed: boolean
  /** Why the record was left as it was (code, path and key id; never a value). */
  readonly error?: FieldsealError
}

/** Options of {@link reencryptRecords}. */
export interface ReencryptRecordsOptions<T = unknown> {
  /** Only these paths. Defaults to the configured fields, else every `enc:` value anywhere. */
  readonly fields?: FieldPaths
  /**
   * The record binding of each record — what the middleware's `binding` gave when its values
   * were sealed, such as `(row) => 'tenant:' + row.tenant_id`. Values are opened and sealed again
   * under it. A record it does not open is reported like any record that fails; a binding that
   * is no non-empty string without U+0000 stops the batch. Defaults to none.
   */
  readonly binding?: (record: T, index: number) => string
  /** Called at most every `progressInterval` ms, and once at the end. Defaults to none. */
  readonly onProgress?: (progress: ReencryptProgress) => void
  /** Least milliseconds between two progress calls; `0` reports every record. Defaults to `1000`. */
  readonly progressInterval?: number
  /** Skip the first N records (a `processed` checkpoint). Defaults to `0`. */
  readonly startAfter?: number
  /** Stops the batch between two records; it rejects with `signal.reason`. */
  readonly signal?: AbortSignal
  /**
   * Throw at the first record that fails, before yielding it, instead of yielding it with
   * `error` set. The checkpoint then points at that record. Defaults to `false`.
   */
  readonly stopOnError?: boolean
}

const WHERE = 'reencryptRecords'
const KNOWN = optionNames<ReencryptRecordsOptions>({
  fields: true,
  binding: true,
  onProgress: true,
  progressInterval: true,
  startAfter: true,
  signal: true,
  stopOnError: true,
})

function nonNegativeInteger(value: unknown, fallback: number, name: string): number {
  if (value === 0) return 0
  return positiveInteger(value, fallback, name, WHERE)
}

/**
 * Re-encrypts `records` one by one, yielding each (in order) with its index. Validates its
 * options at once; the work starts when the generator is first read.
 *
 * @example
 * ```ts
 * for await (const { record, error } of reencryptRecords(sealer, source, {
 *   startAfter: await loadCheckpoint(),
 *   onProgress: ({ processed }) => saveCheckpoint(processed),
 * })) {
 *   if (error) log.warn({ code: error.code, path: error.path }, 'not re-encrypted')
 *   await write(record) // changed or not: nothing is dropped
 * }
 * ```
 */
export function reencryptRecords<T>(
  fieldseal: Fieldseal,
  records: RecordSource<T>,
  options?: Readonly<ReencryptRecordsOptions<T>>,
): AsyncGenerator<ReencryptResult<T>, ReencryptProgress, undefined> {
  configOf(fieldseal, WHERE)
  assertRecordSource(records, WHERE)
  const defined = optionsObject(options, WHERE)
  rejectUnknownOptions(defined, KNOWN, WHERE)
  const fields = checkBatchOptions(defined, WHERE)
  const startAfter = nonNegativeInteger(defined.startAfter, 0, 'startAfter')
  const interval = nonNegativeInteger(defined.progressInterval, 1000, 'progressInterval')
  return run(fieldseal, records, {
    fields,
    startAfter,
    interval,
    onProgress: defined.onProgress as ((progress: ReencryptProgress) => void) | undefined,
    signal: defined.signal as AbortSignal | undefined,
    stopOnError: defined.stopOnError === true,
    binding: defined.binding as ((record: T, index: number) => string) | undefined,
  })
}

interface Settings<T> {
  readonly fields: FieldPaths | undefined
  readonly binding: ((record: T, index: number) => string) | undefined
  readonly startAfter: number
  readonly interval: number
  readonly onProgress: ((progress: ReencryptProgress) => void) | undefined
  readonly signal: AbortSignal | undefined
  readonly stopOnError: boolean
}

async function* run<T>(
  fieldseal: Fieldseal,
  records: RecordSource<T>,
  settings: Settings<T>,
): AsyncGenerator<ReencryptResult<T>, ReencryptProgress, undefined> {
  const { fields, startAfter, interval, onProgress, signal } = settings
  const progress = { processed: 0, changed: 0, failed: 0 }
  let reportedAt = Date.now()
  let reported: string | undefined
  const report = (force: boolean) => {
    if (onProgress === undefined) return
    const now = Date.now()
    const state = `${progress.processed}/${progress.changed}/${progress.failed}`
    if (state === reported || (!force && now - reportedAt < interval)) return
    reportedAt = now
    reported = state
    onProgress({ ...progress })
  }

  let index = -1
  let failure: { error: unknown } | undefined
  try {
    for await (const record of records) {
      index++
      if (index < startAfter) {
        progress.processed = index + 1
        continue
      }
      signal?.throwIfAborted()
      const binding = settings.binding?.(record, index)
      const result = reencryptRecord(fieldseal, record, fields, binding)
      if (result.error !== undefined && settings.stopOnError) {
        const { code, message, path, kid } = result.error
        throw new FieldsealError(code, `record ${index}: ${message}`, {
          ...(path === undefined ? {} : { path }),
          ...(kid === undefined ? {} : { kid }),
          cause: result.error,
        })
      }
      yield { index, ...result }
      // Counted only once the consumer asks for more: a checkpoint never runs ahead of its writes.
      progress.processed = index + 1
      if (result.error !== undefined) progress.failed++
      else if (result.changed) progress.changed++
      report(false)
    }
  } catch (error) {
    failure = { error }
    throw error
  } finally {
    try {
      report(true)
    } catch (error) {
      // The error that stopped the batch matters more than one from the progress callback.
      // biome-ignore lint/correctness/noUnsafeFinally: thrown only when nothing else is in flight
      if (failure === undefined) throw error
    }
  }
  return { ...progress }
}
