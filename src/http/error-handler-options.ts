/**
 * Options of `errorHandler()` in every adapter, validated when it is created.
 *
 * @module
 */
import type { FieldsealError } from '../errors.js'
import {
  invalidOption,
  optionNames,
  optionsObject,
  rejectUnknownOptions,
} from '../util/option-checks.js'

/**
 * Options of `errorHandler()` in every adapter; `R` is the framework's request (`req`, `ctx`,
 * `request`).
 */
export interface ErrorHandlerOptions<R> {
  /**
   * Called with each error the handler answers, before it answers: a `FieldsealError` (no
   * value in it), or the coded error that stands for a body parser's failure — never the
   * parser's own error, which holds the raw body. Log or count here; the problem details the
   * client gets carry no cause. Defaults to none.
   */
  readonly onError?: (error: FieldsealError, request: R) => void
}

const KNOWN = optionNames<ErrorHandlerOptions<unknown>>({ onError: true })

/**
 * Validates `errorHandler()` options; returns the hook. Throws `ERR_FIELDSEAL_INVALID_OPTION`.
 *
 * @example
 * ```ts
 * const onError = resolveErrorHandlerOptions({
 *   onError: (error) => log.warn({ code: error.code, path: error.path }),
 * })
 * ```
 */
export function resolveErrorHandlerOptions<R>(
  input: Readonly<ErrorHandlerOptions<R>> | undefined,
): ErrorHandlerOptions<R>['onError'] {
  const where = 'errorHandler'
  const options = optionsObject(input, where)
  rejectUnknownOptions(options, KNOWN, where)
  if (options.onError !== undefined && typeof options.onError !== 'function') {
    throw invalidOption(where, 'onError must be a function')
  }
  return options.onError as ErrorHandlerOptions<R>['onError']
}
