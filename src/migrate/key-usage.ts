/**
 * A usage report: how many values in a data set each key id still protects, read from the key id
 * in each value without decrypting anything, and when the data was read. A key is retired only
 * when its count is zero, in a report started after every instance stopped sealing with it
 * (`retireKey(id, { usage })` refuses otherwise).
 *
 * Values are selected exactly as `decryptFields` selects them, so the report covers what a read
 * would open: the given paths, else the configured fields, else every `enc:` value anywhere.
 *
 * @module
 */
import { parseEnvelope, isEncrypted, type Envelope } from '../crypto/envelope.js'
import { FieldsealError } from '../errors.js'
import { decryptionPlan, isEncryptedField } from '../core/field-ops.js'
import { isEmptyValue } from '../crypto/field-value.js'
import { configOf, type Fieldseal } from '../core/fieldseal.js'
import {
  invalidOption,
  optionNames,
  optionsObject,
  rejectUnknownOptions,
} from '../util/option-checks.js'
import { resolveFields, type FieldPaths } from '../core/options.js'
import { DESCEND, KEEP, walkPaths } from '../paths/walk.js'

/** Options of {@link keyUsage}. */
export interface KeyUsageOptions {
  /** Only these paths. Defaults to the configured fields, else every `enc:` value anywhere. */
  readonly fields?: FieldPaths
  /**
   * When the records were read, if that was before this call (an export made earlier); `null`
   * when it is unknown. Defaults to the moment of the call: pass the records as a query or a
   * stream read during the call.
   */
  readonly startedAt?: Date | null
}

/** What {@link keyUsage} counted. `total` is the sum of the four kinds of value below it. */
export interface KeyUsageReport {
  /** Records read. */
  readonly records: number
  /** Values counted: `sum(byKid) + legacy + plaintext + malformed`. */
  readonly total: number
  /** v1 values per key id. A null-prototype object: key ids come from the data. */
  readonly byKid: Readonly<Record<string, number>>
  /** Values in the reference's legacy format, which carry no key id. */
  readonly legacy: number
  /** Non-empty values that are not ciphertext, in fields that should be encrypted. */
  readonly plaintext: number
  /** `enc:` values that do not parse. */
  readonly malformed: number
  /**
   * When the data was read (ISO 8601): the start of the call, or the `startedAt` option; `null`
   * when unknown. `retireKey` accepts only a report started after the key stopped sealing.
   */
  readonly startedAt: string | null
}

/** Documents to scan: an array, a generator, a stream of parsed records… */
export type RecordSource<T> = Iterable<T> | AsyncIterable<T>

const WHERE = 'keyUsage'
const KNOWN = optionNames<KeyUsageOptions>({ fields: true, startedAt: true })

/**
 * Throws a `TypeError` unless `records` can be iterated with `for await`.
 *
 * @example
 * ```ts
 * assertRecordSource(rows, 'keyUsage') // arrays, generators, streams pass
 * ```
 */
export function assertRecordSource(records: unknown, where: string): void {
  const candidate = records as Record<symbol, unknown> | null | undefined
  if (
    typeof candidate?.[Symbol.iterator] !== 'function' &&
    typeof candidate?.[Symbol.asyncIterator] !== 'function'
  ) {
    throw new TypeError(`${where}: expected an iterable or an async iterable`)
  }
}

function startedAtOption(value: unknown, called: Date): string | null {
  if (value === undefined) return called.toISOString()
  if (value === null) return null
  if (!(value instanceof Date) || Number.isNaN(value.getTime())) {
    throw invalidOption(WHERE, 'startedAt must be a valid Date, or null when unknown')
  }
  if (value > called) throw invalidOption(WHERE, 'startedAt cannot be later than the call')
  return value.toISOString()
}

/**
 * Counts the values of `records` per key id, without decrypting. Throws (rather than undercount)
 * when a record cannot be walked, such as one nested deeper than `maxDepth`.
 *
 * @example
 * ```ts
 * const { rows } = await pool.query('SELECT ssn, card FROM customers')
 * const usage = await keyUsage(sealer, rows)
 * // { records: 1200, total: 2400, byKid: { Xk3v9_Qa1Bc: 2398, old_key: 2 }, legacy: 0, … }
 * await keyring.manager.retireKey('old_key', { usage }) // refuses: 2 values still use it
 * ```
 */
export async function keyUsage<T>(
  fieldseal: Fieldseal,
  records: RecordSource<T>,
  options?: Readonly<KeyUsageOptions>,
): Promise<KeyUsageReport> {
  const called = new Date()
  const config = configOf(fieldseal, WHERE)
  assertRecordSource(records, WHERE)
  const defined = optionsObject(options, WHERE)
  rejectUnknownOptions(defined, KNOWN, WHERE)
  const startedAt = startedAtOption(defined.startedAt, called)
  const fields = defined.fields === undefined ? undefined : resolveFields(defined.fields, WHERE)
  const plan = decryptionPlan(config, fields)

  const byKid: Record<string, number> = Object.create(null)
  let count = 0
  let legacy = 0
  let plaintext = 0
  let malformed = 0
  let total = 0
  for await (const record of records) {
    try {
      walkPaths(
        record,
        plan,
        (value, match) => {
          if (isEncrypted(value)) {
            total++
            let envelope: Envelope
            try {
              envelope = parseEnvelope(value)
            } catch {
              malformed++
              return KEEP
            }
            if (envelope.version === 'legacy') legacy++
            else byKid[envelope.kid] = (byKid[envelope.kid] ?? 0) + 1
            return KEEP
          }
          if (!isEmptyValue(value) && isEncryptedField(config, match)) {
            total++
            plaintext++
            return KEEP
          }
          return typeof value === 'object' && value !== null ? DESCEND : KEEP
        },
        config,
      )
    } catch (error) {
      if (!(error instanceof FieldsealError)) throw error
      throw new FieldsealError(error.code, `record ${count}: ${error.message}`, {
        ...(error.path === undefined ? {} : { path: error.path }),
        cause: error,
      })
    }
    count++
  }
  return { records: count, total, byKid, legacy, plaintext, malformed, startedAt }
}
