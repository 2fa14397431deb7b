/**
 * Runs async tasks one after another. A PKCS#11 session is not safe for concurrent use
 * (v2.40 §5.6: an application must not run two operations on one session at once, and an
 * operation is a pair of calls, `C_EncryptInit` then `C_Encrypt`), so every call on a provider's
 * session goes through one queue.
 *
 * @module
 */

/**
 * A queue of tasks run in order; a failed task does not stop the ones after it.
 *
 * @example
 * ```ts
 * const queue = new SerialQueue()
 * const [a, b] = await Promise.all([queue.run(() => first()), queue.run(() => second())])
 * ```
 */
export class SerialQueue {
  #tail: Promise<unknown> = Promise.resolve()

  /** Runs `task` once every task queued before it has settled. */
  run<T>(task: () => Promise<T> | T): Promise<T> {
    const result = this.#tail.then(task, task)
    this.#tail = result.then(
      () => undefined,
      () => undefined,
    )
    return result
  }
}
