/**
 * Encryptions counted in memory per key id, until the key manager folds them into the next
 * save. NIST SP 800-38D §8.3 caps a key at 2^32 encryptions with random 96-bit nonces; counting
 * lets the keyring warn (and rotate) well before.
 *
 * @module
 */

/**
 * Unsaved encryption counts. `drain` hands them to a save; `restore` gives them back if the
 * save fails, `saved` forgets them once the saved document is the one in use, so no count is
 * lost or counted twice. Until then they stay in `get`: a key's budget must not look larger
 * while a save is on its way.
 *
 * @example
 * ```ts
 * const counter = new UsageCounter()
 * counter.add('Xk3v9_Qa1Bc')
 * const taken = counter.drain() // Map { 'Xk3v9_Qa1Bc' => 1 }
 * counter.saved(taken)
 * ```
 */
export class UsageCounter {
  #pending = new Map<string, number>()
  readonly #inFlight = new Map<string, number>()

  /** Counts `n` encryptions with `kid`; returns the unsaved count for it. */
  add(kid: string, n = 1): number {
    const next = (this.#pending.get(kid) ?? 0) + n
    this.#pending.set(kid, next)
    return next
  }

  /** Unsaved count of `kid`, including counts a save has taken and not yet completed. */
  get(kid: string): number {
    return (this.#pending.get(kid) ?? 0) + (this.#inFlight.get(kid) ?? 0)
  }

  /** True when nothing awaits saving. */
  get empty(): boolean {
    return this.#pending.size === 0
  }

  /** Takes every count not yet taken by a save, leaving none to take. */
  drain(): Map<string, number> {
    const taken = this.#pending
    this.#pending = new Map()
    this.#shift(taken, 1)
    return taken
  }

  /** Puts back counts a failed save had taken. */
  restore(taken: ReadonlyMap<string, number>): void {
    this.#shift(taken, -1)
    for (const [kid, n] of taken) this.add(kid, n)
  }

  /** Forgets counts a save wrote, once the document holding them is the one in use. */
  saved(taken: ReadonlyMap<string, number>): void {
    this.#shift(taken, -1)
  }

  #shift(taken: ReadonlyMap<string, number>, sign: 1 | -1): void {
    for (const [kid, n] of taken) {
      const next = (this.#inFlight.get(kid) ?? 0) + sign * n
      if (next === 0) this.#inFlight.delete(kid)
      else this.#inFlight.set(kid, next)
    }
  }
}
