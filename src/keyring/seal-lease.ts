/**
 * Retirement that cannot lose data, by construction rather than operator patience.
 *
 * After a rotation, an instance that has not reloaded the keyring yet keeps sealing with the key
 * that was just rotated out. Two rules bound how long:
 *
 * - **The seal lease.** An instance seals only with a key it confirmed active recently: within
 *   `LEASE_INTERVALS` times the longest refresh interval of the instances using the keyring (the
 *   keyring document records it; every instance raises it to its own interval when it opens). A
 *   confirmation is any successful, verified load or save of the document, timed from its start.
 *   Past the lease the instance refuses to seal (`ERR_FIELDSEAL_KEYRING_STALE`) until a reload
 *   succeeds, and keeps decrypting. Sealing in the second half of the lease starts a reload, so a
 *   busy instance renews its lease even without a timer.
 * - **The drain.** A data key can be retired only once it has been non-active for longer than the
 *   lease plus `RETIRE_MARGIN_MS` (clock skew between machines, values on their way from sealing
 *   to storage), and only against a usage report started after that moment. By then no instance
 *   can seal with it, and every value it sealed is in the data the report read.
 *
 * A running keyring applies the lease with a {@link LeaseGuard} before each seal, and records its
 * refresh interval in the keyring when it opens ({@link recordRefreshInterval}).
 *
 * @module
 */
import { FieldsealError } from '../errors.js'
import type { KeySession } from './key-session.js'
import { DEFAULT_REFRESH_INTERVAL_MS } from './keyring-options.js'
import type { KeyRecord, KeyringDocument } from './types.js'

/** Refresh intervals an instance may go without confirming its keyring before it stops sealing. */
export const LEASE_INTERVALS = 3
/** Added to the lease before a rotated-out key may be retired: clock skew, values in flight. */
export const RETIRE_MARGIN_MS = 60_000

/** What the lease is computed from: the document's longest refresh interval (format 1: none). */
export type LeaseSource = Pick<KeyringDocument, 'maxRefreshIntervalMs'> | undefined

/** When a document was last confirmed: wall clock and monotonic clock, in ms. */
export interface Confirmation {
  readonly wall: number
  readonly mono: number
}

/**
 * The seal lease of a keyring, in ms.
 *
 * @example
 * ```ts
 * sealLeaseMs(doc) // 180_000 with the default 60 s refresh interval
 * ```
 */
export function sealLeaseMs(doc: LeaseSource): number {
  return LEASE_INTERVALS * (doc?.maxRefreshIntervalMs ?? DEFAULT_REFRESH_INTERVAL_MS)
}

/**
 * How long ago `confirmed` was, by whichever clock says longer: a wall clock set back does not
 * stretch the lease, and a monotonic clock cannot be set at all.
 *
 * @example
 * ```ts
 * if (confirmationAge(session.confirmedAt, new Date()) > sealLeaseMs(doc)) refuse()
 * ```
 */
export function confirmationAge(confirmed: Confirmation | undefined, now: Date): number {
  if (confirmed === undefined) return Number.POSITIVE_INFINITY
  return Math.max(now.getTime() - confirmed.wall, performance.now() - confirmed.mono)
}

/**
 * The moment after which no instance can still seal with `record`, and a usage report started
 * then sees every value it sealed; `null` for a key that is active or never was.
 *
 * @example
 * ```ts
 * drainedAt(record, doc) // Date: rotation + 3 × 60 s + 60 s
 * ```
 */
export function drainedAt(record: KeyRecord, doc: LeaseSource): Date | null {
  if (record.status === 'active' || !record.activeUntil) return null
  return new Date(Date.parse(record.activeUntil) + sealLeaseMs(doc) + RETIRE_MARGIN_MS)
}

function seconds(ms: number): string {
  const total = Math.ceil(ms / 1000)
  if (total < 120) return `${total} s`
  const rest = total % 60
  return `${Math.floor(total / 60)} min${rest === 0 ? '' : ` ${rest} s`}`
}

/**
 * `ERR_FIELDSEAL_KEYRING_STALE`: this instance could not confirm its keyring within the lease.
 *
 * @example
 * ```ts
 * throw staleKeyring(kid, age, lease, 'ERR_FIELDSEAL_WRONG_MASTER_KEY')
 * ```
 */
export function staleKeyring(
  kid: string,
  ageMs: number,
  leaseMs: number,
  lastError: string | undefined,
): FieldsealError {
  const age = Number.isFinite(ageMs) ? `for ${seconds(ageMs)}` : 'since it opened'
  return new FieldsealError(
    'ERR_FIELDSEAL_KEYRING_STALE',
    `this instance has not been able to reload its keyring ${age} (its lease is ${seconds(leaseMs)}` +
      `${lastError === undefined ? '' : `; last reload: ${lastError}`}), so it cannot confirm that ` +
      `data key "${kid}" is still the active one: it seals nothing until a reload succeeds, and ` +
      'keeps decrypting. Check that the key store is reachable and the master key is current',
    { kid },
  )
}

/**
 * `ERR_FIELDSEAL_KEY_IN_USE` while instances may still seal with `record` (it is not drained at
 * `now`); `undefined` once it is.
 *
 * @example
 * ```ts
 * const wait = stillSealing(record, doc, new Date())
 * if (wait) throw wait
 * ```
 */
export function stillSealing(
  record: KeyRecord,
  lease: LeaseSource,
  now: Date,
): FieldsealError | undefined {
  const drained = drainedAt(record, lease)
  if (drained === null || now >= drained) return undefined
  return new FieldsealError(
    'ERR_FIELDSEAL_KEY_IN_USE',
    `data key "${record.id}" stopped being active at ${record.activeUntil}; instances that have ` +
      `not reloaded the keyring since may still seal with it for up to ${seconds(sealLeaseMs(lease))} ` +
      `(${LEASE_INTERVALS} × the longest refresh interval in use), and their values need time to ` +
      `reach storage. Wait until ${drained.toISOString()} (${seconds(drained.getTime() - now.getTime())} ` +
      'from now), then re-encrypt, take a new usage report and retire it',
    { kid: record.id },
  )
}

/**
 * `ERR_FIELDSEAL_KEY_IN_USE` when a usage report started at `startedAt` may miss values sealed
 * with `record` (it started before the key was drained, or does not say when it started).
 *
 * @example
 * ```ts
 * const stale = reportTooEarly(record, doc, usage.startedAt)
 * if (stale) throw stale
 * ```
 */
export function reportTooEarly(
  record: KeyRecord,
  lease: LeaseSource,
  startedAt: string | null | undefined,
): FieldsealError | undefined {
  const drained = drainedAt(record, lease)
  if (drained === null) return undefined
  const started = typeof startedAt === 'string' ? Date.parse(startedAt) : Number.NaN
  if (started >= drained.getTime()) return undefined
  const taken = Number.isNaN(started)
    ? 'does not say when it was taken'
    : `was started at ${startedAt}`
  return new FieldsealError(
    'ERR_FIELDSEAL_KEY_IN_USE',
    `the usage report ${taken}, not after ${drained.toISOString()}, when data key "${record.id}" ` +
      'stopped sealing everywhere: values sealed after its data was read would be lost. ' +
      'Re-encrypt, take a new usage report now (keyUsage, or fieldseal usage --json) and retire ' +
      'it with that one',
    { kid: record.id },
  )
}

/**
 * Refuses to seal past the lease, and starts a reload in its second half.
 *
 * @example
 * ```ts
 * const lease = new LeaseGuard(session, () => new Date(), () => refreshLoop.kick())
 * lease.check(kid) // before each seal
 * ```
 */
export class LeaseGuard {
  readonly #session: KeySession
  readonly #now: () => Date
  readonly #reload: () => void
  #lastError: string | undefined

  constructor(session: KeySession, now: () => Date, reload: () => void) {
    this.#session = session
    this.#now = now
    this.#reload = reload
  }

  /** Notes how a reload ended, for the message of a refusal: why this instance is stale. */
  reloaded(error?: unknown): void {
    this.#lastError =
      error === undefined ? undefined : ((error as { code?: string } | null)?.code ?? 'failed')
  }

  /** Throws `ERR_FIELDSEAL_KEYRING_STALE` when sealing with `kid` is past the lease. */
  check(kid: string): void {
    const age = confirmationAge(this.#session.confirmedAt, this.#now())
    const lease = sealLeaseMs(this.#session.doc)
    if (age > lease / 2) this.#reload()
    if (age > lease) throw staleKeyring(kid, age, lease, this.#lastError)
  }
}

/**
 * Raises the keyring's record of the longest refresh interval in use to `intervalMs`, if longer.
 *
 * @example
 * ```ts
 * await recordRefreshInterval(session, 300_000)
 * ```
 */
export async function recordRefreshInterval(session: KeySession, intervalMs: number) {
  const recorded = session.doc?.maxRefreshIntervalMs ?? DEFAULT_REFRESH_INTERVAL_MS
  if (session.doc === undefined || intervalMs <= recorded) return
  await session.change(({ maxRefreshIntervalMs }) =>
    intervalMs > maxRefreshIntervalMs
      ? { maxRefreshIntervalMs: intervalMs, result: undefined }
      : { result: undefined },
  )
}
