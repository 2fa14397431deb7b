/**
 * The seal lease of one running keyring (the rules are in `seal-lease.ts`): before each seal,
 * whether the keyring was confirmed current recently enough; and, when it opens, recording its
 * refresh interval in the keyring so that every instance's lease and every retirement wait
 * account for it.
 *
 * @module
 */
import type { KeySession } from './key-session.js'
import { DEFAULT_REFRESH_INTERVAL_MS } from './keyring-options.js'
import { confirmationAge, sealLeaseMs, staleKeyring } from './seal-lease.js'

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
