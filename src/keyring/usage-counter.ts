/**
 * Encryptions counted in memory per key id, until the key manager folds them into the next
 * save. NIST SP 800-38D §8.3 caps a key at 2^32 encryptions with random 96-bit nonces; counting
 * lets the keyring warn (and rotate) well before.
 *
 * @module
 */

/**
 * Unsaved encryption counts. `drain` hands them to a save; `restore` gives them back if the
 * save fails, so no count is lost or counted twice.
 *
 * @example
 * ```ts
 * const counter = new UsageCounter()
 * counter.add('Xk3v9_Qa1Bc')
 * const taken = counter.drain() // Map { 'Xk3v9_Qa1Bc' => 1 }
 * ```
 */
export class UsageCounter {
  #pending = new Map<string, number>()

  /** Counts `n` encryptions with `kid`; returns the unsaved count for it. */
  add(kid: string, n = 1): number {
    const next = (this.#pending.get(kid) ?? 0) + n
    this.#pending.set(kid, next)
    return next
  }

  /** Unsaved count of `kid`. */
  get(kid: string): number {
    return this.#pending.get(kid) ?? 0
  }

  /** True when nothing awaits saving. */
  get empty(): boolean {
    return this.#pending.size === 0
  }

  /** Takes every unsaved count, leaving none. */
  drain(): Map<string, number> {
    const taken = this.#pending
    this.#pending = new Map()
    return taken
  }

  /** Puts back counts a failed save had taken. */
  restore(taken: ReadonlyMap<string, number>): void {
    for (const [kid, n] of taken) this.add(kid, n)
  }
}
