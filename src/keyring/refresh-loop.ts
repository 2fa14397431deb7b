/**
 * When a running keyring reloads its store: on a timer (unref'd, so it never keeps the process
 * alive), as soon as the store says it changed, promptly but at most once a second when a value
 * names an unknown key, and on demand. Reloads never overlap: a reload asked for while one runs
 * waits for one more after it (the one under way may have read the store before the ask: its
 * confirmation is older than the caller expects), shared by every ask made meanwhile.
 *
 * @module
 */

// A value naming an unknown key triggers a reload, at most this often.
const UNKNOWN_KID_REFRESH_MS = 1_000

/**
 * Runs `reload` one at a time, on a timer, on demand and (throttled) on a kick; errors of the
 * timer's and the kick's runs go to `onError`.
 *
 * @example
 * ```ts
 * const loop = new RefreshLoop(() => manager.refresh(), console.error)
 * loop.every(30_000, () => loop.run())
 * loop.kick() // a value named an unknown key
 * await loop.stop()
 * ```
 */
export class RefreshLoop {
  readonly #reload: () => Promise<void>
  readonly #onError: (error: unknown) => void
  #timer: NodeJS.Timeout | undefined
  #running: Promise<void> | undefined
  #next: Promise<void> | undefined
  #lastKick = 0
  #stopped = false
  #again = false

  constructor(reload: () => Promise<void>, onError: (error: unknown) => void) {
    this.#reload = reload
    this.#onError = onError
  }

  /** Calls `tick` every `intervalMs` until {@link RefreshLoop.stop}; its errors go to `onError`. */
  every(intervalMs: number, tick: () => Promise<void>): void {
    this.#timer = setInterval(() => void tick().catch(this.#onError), intervalMs)
    this.#timer.unref()
  }

  /** Reloads now, or right after the reload already running (one more, shared). */
  run(): Promise<void> {
    const running = this.#running
    if (running === undefined) return this.#start()
    const settled = () => undefined
    this.#next ??= running.then(settled, settled).then(() => {
      this.#next = undefined
      return this.#running ?? this.#start()
    })
    return this.#next
  }

  #start(): Promise<void> {
    const run = (async () => {
      try {
        await this.#reload()
      } finally {
        this.#running = undefined
      }
    })()
    this.#running = run
    return run
  }

  /**
   * Reloads soon after the store said it changed: at once, or right after the reload under way
   * (which may have read the store before the change). Notices that come together make one reload.
   */
  notice(): void {
    if (this.#stopped) return
    const running = this.#running
    if (running === undefined) {
      this.run().catch((error: unknown) => this.#onError(error))
      return
    }
    if (this.#again) return
    this.#again = true
    const after = () => {
      this.#again = false
      if (!this.#stopped) this.run().catch((error: unknown) => this.#onError(error))
    }
    running.then(after, after)
  }

  /** Starts a reload unless stopped or one was kicked off less than a second ago. */
  kick(): void {
    const now = Date.now()
    if (this.#stopped || now - this.#lastKick < UNKNOWN_KID_REFRESH_MS) return
    this.#lastKick = now
    this.run().catch((error: unknown) => this.#onError(error))
  }

  /** Stops the timer and kicks, and waits for a running reload (ignoring its failure). */
  async stop(): Promise<void> {
    this.#stopped = true
    clearInterval(this.#timer)
    await this.#running?.catch(() => undefined)
  }
}
