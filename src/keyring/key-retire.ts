/**
 * Retirement, the one final step of the lifecycle: the key's material is erased from the
 * keyring, so every value still sealed with it becomes unreadable. A data key is therefore
 * retired only once no instance can still seal with it (`seal-lease.ts`), against a usage report
 * started after that and showing no value left under it (nor any legacy value, which carries no
 * key id and may be under any data key) — or when forced.
 *
 * @module
 */
import { FieldsealError } from '../errors.js'
import { findRecord, replaceRecord, stateError } from './key-lifecycle.js'
import { reportTooEarly, stillSealing, type LeaseSource } from './seal-lease.js'
import type { KeyRecord } from './types.js'

/** A usage report (the shape `keyUsage` produces): values per key id, and legacy values. */
export interface KeyUsageLike {
  readonly byKid: Readonly<Record<string, number>>
  /** Values in the reference's format: they carry no key id, so any data key may be theirs. */
  readonly legacy?: number
  /**
   * When the data the report counts was read (ISO 8601; `keyUsage` sets it; `null`: unknown). A
   * data key is retired only against a report started after every instance stopped sealing with it.
   */
  readonly startedAt?: string | null
}

/** Options of {@link retireRecord}. */
export interface RetireCheck {
  readonly usage: KeyUsageLike | undefined
  readonly force: boolean
  /** The keyring's longest refresh interval, which the wait before retirement follows. */
  readonly lease: LeaseSource
  readonly now: Date
}

/**
 * Retires a pending or inactive key for good: status `retired`, material erased. A data key is
 * retired only once no instance can seal with it any more, with a usage report started after
 * that showing no value uses it — or with `force`.
 *
 * @example
 * ```ts
 * retireRecord(doc.keys, kid, { usage: report, force: false, lease: doc, now: new Date() })
 * ```
 */
export function retireRecord(records: readonly KeyRecord[], id: string, check: RetireCheck) {
  const current = findRecord(records, id)
  if (current.status === 'active') {
    throw stateError(`key "${id}" is active; rotate it before retiring it`, id)
  }
  if (current.status === 'retired') throw stateError(`key "${id}" is already retired`, id)
  if (current.type === 'data' && !check.force) {
    if (check.usage === undefined) {
      throw new FieldsealError(
        'ERR_FIELDSEAL_KEY_IN_USE',
        `cannot tell whether values still use data key "${id}": pass a usage report, or force`,
        { kid: id },
      )
    }
    const wait = stillSealing(current, check.lease, check.now)
    if (wait !== undefined) throw wait
    const count = check.usage.byKid[id] ?? 0
    if (count > 0) {
      throw new FieldsealError(
        'ERR_FIELDSEAL_KEY_IN_USE',
        `data key "${id}": ${count === 1 ? '1 value is' : `${count} values are`} still sealed ` +
          'under it; re-encrypt them (fieldseal reencrypt), take a new usage report, or force',
        { kid: id },
      )
    }
    const legacy = check.usage.legacy ?? 0
    if (legacy > 0) {
      throw new FieldsealError(
        'ERR_FIELDSEAL_KEY_IN_USE',
        `${legacy} legacy value(s) carry no key id and may need data key "${id}"; re-encrypt them first, or force`,
        { kid: id },
      )
    }
    const early = reportTooEarly(current, check.lease, check.usage.startedAt)
    if (early !== undefined) throw early
  }
  const record: KeyRecord = { ...current, status: 'retired', wrapped: null }
  return { records: replaceRecord(records, record), record }
}
