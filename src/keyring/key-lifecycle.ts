/**
 * The key lifecycle as pure functions over a list of records: which status may follow which,
 * and what each transition changes. The key manager runs them inside a read-modify-save against
 * the store, so they decide on the freshest state and never touch the store themselves.
 *
 *     (new) ──▶ active ──rotate──▶ pending_rotation ──retire──▶ retired (material erased)
 *                 │   ▲                 │     ▲                    ▲
 *        deactivate   reactivate   deactivate reactivate           │
 *                 ▼   │                 ▼     │                    │
 *                 └──────────────▶ inactive ───────────retire──────┘
 *
 * Retirement is the one final step: the key's material is erased, so every value still sealed
 * with it becomes unreadable. A data key is therefore retired only once no instance can still
 * seal with it (`seal-lease.ts`), against a usage report started after that and showing no value
 * left under it (nor any legacy value, which carries no key id and may be under any data key) —
 * or when forced.
 *
 * @module
 */
import { FieldsealError } from '../errors.js'
import { type LeaseSource, reportTooEarly, stillSealing } from './seal-lease.js'
import type { KeyRecord, KeyStatus, KeyType } from './types.js'

/** Key types the keyring stores. The master key is never stored: it wraps the others. */
export const STORED_KEY_TYPES: readonly KeyType[] = Object.freeze(['data', 'session', 'signing'])
/** Every key type, in a stable order. */
export const KEY_TYPES: readonly KeyType[] = Object.freeze(['master', 'data', 'session', 'signing'])
/** Every key status, in lifecycle order. */
export const KEY_STATUSES: readonly KeyStatus[] = Object.freeze([
  'active',
  'pending_rotation',
  'inactive',
  'retired',
])

/** `ERR_FIELDSEAL_KEY_STATE` for a transition the key's status does not allow. */
export function stateError(message: string, kid?: string): FieldsealError {
  return new FieldsealError('ERR_FIELDSEAL_KEY_STATE', message, kid === undefined ? {} : { kid })
}

/**
 * Refuses the master type for operations on stored keys.
 *
 * @example
 * ```ts
 * assertStoredType('data') // ok; assertStoredType('master') throws ERR_FIELDSEAL_KEY_STATE
 * ```
 */
export function assertStoredType(type: KeyType): void {
  if (type === 'master') {
    throw stateError('the master key is not stored in the keyring; change it with rewrap()')
  }
  if (!KEY_TYPES.includes(type)) throw new TypeError(`unknown key type "${String(type)}"`)
}

/**
 * The record with `id`, or `ERR_FIELDSEAL_KEY_NOT_FOUND`.
 *
 * @example
 * ```ts
 * const record = findRecord(doc.keys, 'Xk3v9_Qa1Bc')
 * ```
 */
export function findRecord(records: readonly KeyRecord[], id: string): KeyRecord {
  if (typeof id !== 'string') throw new TypeError('key id must be a string')
  const record = records.find((r) => r.id === id)
  if (record === undefined) {
    throw new FieldsealError('ERR_FIELDSEAL_KEY_NOT_FOUND', `no key with id "${id}"`, { kid: id })
  }
  return record
}

/**
 * The active record of `type`, if any.
 *
 * @example
 * ```ts
 * activeRecord(doc.keys, 'data')?.id
 * ```
 */
export function activeRecord(records: readonly KeyRecord[], type: KeyType): KeyRecord | undefined {
  return records.find((r) => r.type === type && r.status === 'active')
}

/**
 * The next version number of `type` (retired versions count: numbers are never reused).
 *
 * @example
 * ```ts
 * nextVersion(doc.keys, 'data') // 4 after three data keys
 * ```
 */
export function nextVersion(records: readonly KeyRecord[], type: KeyType): number {
  return records.reduce((max, r) => (r.type === type && r.version > max ? r.version : max), 0) + 1
}

/** `records` with the record of `next.id` replaced by `next`. */
export function replaceRecord(records: readonly KeyRecord[], next: KeyRecord): KeyRecord[] {
  return records.map((r) => (r.id === next.id ? next : r))
}

/**
 * Adds `fresh` as the active key of its type; the previous active key becomes
 * `pending_rotation` (it still decrypts) with the time and actor of the rotation.
 *
 * @example
 * ```ts
 * const keys = rotateRecords(doc.keys, freshRecord, now.toISOString(), 'ops@example.com')
 * ```
 */
export function rotateRecords(
  records: readonly KeyRecord[],
  fresh: KeyRecord,
  at: string,
  by: string,
): KeyRecord[] {
  const previous = activeRecord(records, fresh.type)
  const kept = previous
    ? replaceRecord(records, {
        ...previous,
        status: 'pending_rotation',
        rotatedAt: at,
        rotatedBy: by,
        activeUntil: at,
      })
    : [...records]
  return [...kept, { ...fresh, status: 'active' }]
}

/**
 * Switches a key off: an active or pending key becomes `inactive` (neither encrypts nor decrypts).
 * An active one stops being active `at`.
 *
 * @example
 * ```ts
 * const { records, record } = deactivateRecord(doc.keys, kid, new Date().toISOString())
 * ```
 */
export function deactivateRecord(records: readonly KeyRecord[], id: string, at: string) {
  const current = findRecord(records, id)
  if (current.status !== 'active' && current.status !== 'pending_rotation') {
    throw stateError(
      `key "${id}" is ${current.status}; only an active or pending key can be deactivated`,
      id,
    )
  }
  const record: KeyRecord = {
    ...current,
    status: 'inactive',
    ...(current.status === 'active' ? { activeUntil: at } : {}),
  }
  return { records: replaceRecord(records, record), record }
}

/**
 * Switches an inactive key back on. It becomes active again only if its type has no active key
 * and no newer version was ever made; otherwise it decrypts only (`pending_rotation`), so an
 * old key never silently takes over encryption.
 *
 * @example
 * ```ts
 * const { records, record } = reactivateRecord(doc.keys, kid) // record.status: 'active' | 'pending_rotation'
 * ```
 */
export function reactivateRecord(records: readonly KeyRecord[], id: string) {
  const current = findRecord(records, id)
  if (current.status !== 'inactive') {
    throw stateError(
      `key "${id}" is ${current.status}; only an inactive key can be reactivated`,
      id,
    )
  }
  const newest = nextVersion(records, current.type) - 1 === current.version
  const status: KeyStatus =
    newest && activeRecord(records, current.type) === undefined ? 'active' : 'pending_rotation'
  const record: KeyRecord = {
    ...current,
    status,
    ...(status === 'active' ? { activeUntil: null } : {}),
  }
  return { records: replaceRecord(records, record), record }
}

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

/**
 * Checks a usage report passed to `retireKey` (a `TypeError` for a wrong shape).
 *
 * @example
 * ```ts
 * const usage = checkUsageReport(options.usage) // KeyUsageLike | undefined
 * ```
 */
export function checkUsageReport(usage: unknown): KeyUsageLike | undefined {
  if (usage === undefined) return undefined
  const report = usage as KeyUsageLike | null
  if (typeof report?.byKid !== 'object' || report.byKid === null) {
    throw new TypeError('retireKey: usage must be a usage report with a byKid object')
  }
  const startedAt = report.startedAt
  if (startedAt !== undefined && startedAt !== null && typeof startedAt !== 'string') {
    throw new TypeError('retireKey: usage.startedAt must be an ISO 8601 string or null')
  }
  return report
}

/**
 * Adds `counts` to the persisted encryption counters (added, not overwritten, so that several
 * instances' counts all survive).
 *
 * @example
 * ```ts
 * const keys = addEncryptions(doc.keys, new Map([[kid, 120]]))
 * ```
 */
export function addEncryptions(
  records: readonly KeyRecord[],
  counts: ReadonlyMap<string, number>,
): KeyRecord[] {
  if (counts.size === 0) return [...records]
  return records.map((r) => {
    const n = counts.get(r.id)
    return n === undefined || n === 0 ? r : { ...r, encryptions: r.encryptions + n }
  })
}
