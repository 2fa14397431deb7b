/**
 * Retry timing for providers that speak HTTP themselves (Vault Transit): capped exponential
 * backoff with full jitter, so that many instances restarting together do not retry in step,
 * and an honoured `Retry-After` within the same cap.
 *
 * @module
 */

/** How often and how patiently to retry. */
export interface RetryPolicy {
  /** Attempts in all, the first included. */
  readonly maxAttempts: number
  /** Upper bound of the first delay; doubles after each attempt. */
  readonly baseDelayMs: number
  /** No delay exceeds this. */
  readonly maxDelayMs: number
}

/**
 * The delay before attempt `attempt + 1` (attempt counts from 1): a random time up to
 * `baseDelayMs · 2^(attempt-1)`, or the server's `Retry-After` seconds, capped.
 *
 * @example
 * ```ts
 * backoffDelay(2, { maxAttempts: 4, baseDelayMs: 100, maxDelayMs: 2000 }, null) // 0–200 ms
 * ```
 */
export function backoffDelay(
  attempt: number,
  policy: RetryPolicy,
  retryAfter: string | null,
): number {
  const seconds = retryAfter === null ? NaN : Number(retryAfter)
  if (Number.isFinite(seconds) && seconds >= 0) return Math.min(seconds * 1000, policy.maxDelayMs)
  const ceiling = Math.min(policy.baseDelayMs * 2 ** (attempt - 1), policy.maxDelayMs)
  return Math.floor(Math.random() * ceiling)
}

/**
 * Resolves after `ms`, or rejects with the signal's reason as soon as `signal` aborts.
 *
 * @example
 * ```ts
 * await sleep(100, controller.signal)
 * ```
 */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason)
    const onAbort = (): void => {
      clearTimeout(timer)
      reject(signal.reason)
    }
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort)
      resolve()
    }, ms)
    signal.addEventListener('abort', onAbort, { once: true })
  })
}
