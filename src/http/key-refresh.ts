/**
 * One retry after a key reload when a value names a key id this instance does not know yet:
 * another instance sharing the keyring may have rotated. Reloads are coalesced (concurrent
 * requests share one) and spaced by `keyRefreshInterval`, so clients sending made-up key ids
 * cannot turn every request into a key-store query.
 *
 * @module
 */
import { FieldsealError } from '../errors.js'
import type { FieldsealEvent } from '../core/events.js'
import type { FieldsealConfig } from '../core/options.js'

/** Runs document operations with one reload-and-retry on an unknown key id. */
export interface KeyRefresher {
  /**
   * Runs `operation` now; if it fails with `ERR_FIELDSEAL_UNKNOWN_KEY` and a reload is allowed,
   * reloads the keys and runs it once more. `done` is called synchronously when no reload was
   * needed, so a response can be sent in the same tick.
   */
  run<T>(
    operation: (config: FieldsealConfig) => T,
    done: (value: T) => void,
    fail: (error: unknown) => void,
  ): void
}

const isUnknownKey = (error: unknown) =>
  error instanceof FieldsealError && error.code === 'ERR_FIELDSEAL_UNKNOWN_KEY'

/**
 * Creates the refresher of one middleware over an instance's configuration.
 *
 * @example
 * ```ts
 * const refresher = createKeyRefresher(sealer.config, 1000)
 * refresher.run((config) => decryptDocument(config, body, mode), done, fail)
 * ```
 */
export function createKeyRefresher(
  config: FieldsealConfig,
  interval: number,
  now: () => number = Date.now,
): KeyRefresher {
  const reloadable = typeof config.keys.refresh === 'function'
  let inflight: Promise<void> | undefined
  let last = Number.NEGATIVE_INFINITY

  const reload = (): Promise<boolean> => {
    if (inflight !== undefined) return inflight.then(() => true)
    if (now() - last < interval) return Promise.resolve(false)
    last = now()
    // Reached only when the source can refresh (`reloadable`); async, so a throw rejects.
    const started = (async () => {
      await config.keys.refresh?.()
    })()
    const settled = () => {
      inflight = undefined
    }
    inflight = started
    started.then(settled, settled)
    return started.then(() => true)
  }

  /**
   * The first attempt holds its events back: if it is retried, the failure it reported would be
   * a false alarm, and what it reported before failing would be reported twice.
   */
  const firstAttempt = <T>(
    operation: (config: FieldsealConfig) => T,
    held: FieldsealEvent[],
  ): T => {
    const onEvent = config.onEvent
    if (!reloadable || onEvent === undefined) return operation(config)
    return operation({ ...config, onEvent: (event) => void held.push(event) })
  }
  const flush = (held: FieldsealEvent[]) => {
    for (const event of held.splice(0)) config.onEvent?.(event)
  }
  const flushThenFail = (
    held: FieldsealEvent[],
    error: unknown,
    fail: (error: unknown) => void,
  ) => {
    try {
      flush(held)
    } catch (hookError) {
      fail(hookError)
      return
    }
    fail(error)
  }

  const run: KeyRefresher['run'] = (operation, done, fail) => {
    const held: FieldsealEvent[] = []
    let value: ReturnType<typeof operation>
    try {
      value = firstAttempt(operation, held)
      flush(held)
    } catch (error) {
      if (!reloadable || !isUnknownKey(error)) {
        flushThenFail(held, error, fail)
        return
      }
      reload()
        .then((reloaded) => {
          if (!reloaded) {
            flushThenFail(held, error, fail)
            return
          }
          let retried: ReturnType<typeof operation>
          try {
            retried = operation(config)
          } catch (again) {
            fail(again)
            return
          }
          done(retried)
        }, fail)
        .catch(fail)
      return
    }
    done(value)
  }

  return { run }
}
