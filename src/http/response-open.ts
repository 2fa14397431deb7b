/**
 * Opening one `enc:` value of a response: from the request's seal memo when it sealed that very
 * value, else by decryption; a failure is located at its path and reported to the audit hook
 * (path, key id, code — never the value).
 *
 * @module
 */
import { FieldsealError } from '../errors.js'
import { openValue } from '../crypto/field-value.js'
import type { FieldsealConfig } from '../core/options.js'
import { NOT_REMEMBERED, type SealMemo } from './seal-memo.js'

/** Opens one value, reporting a failure to the hook (path, key id, code — never the value). */
export function openOne(
  config: FieldsealConfig,
  value: string,
  context: string,
  path: () => string,
  memo: SealMemo | undefined,
): unknown {
  if (memo !== undefined) {
    const remembered = memo.recall(config.keys, value, context)
    if (remembered !== NOT_REMEMBERED) return remembered
  }
  try {
    const opened = openValue(config.keys, value, context, undefined, config.readLegacy)
    if (opened.legacy)
      config.onEvent?.({
        operation: 'legacy-format',
        outcome: 'success',
        path: path(),
        kid: opened.kid,
      })
    return opened.value
  } catch (error) {
    if (!(error instanceof FieldsealError)) throw error
    const located = new FieldsealError(error.code, error.message, {
      path: path(),
      ...(error.kid === undefined ? {} : { kid: error.kid }),
      cause: error,
    })
    config.onEvent?.({
      operation: 'decrypt',
      outcome: 'failure',
      path: located.path as string,
      ...(located.kid === undefined ? {} : { kid: located.kid }),
      code: located.code,
    })
    throw located
  }
}
