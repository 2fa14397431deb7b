/**
 * What one document operation keeps as it goes: how many values it took (against `maxFields`),
 * their paths for the audit event, and errors located at the field they are about.
 *
 * @module
 */
import { FieldsealError } from '../errors.js'
import type { FieldsealEvent } from './events.js'
import type { FieldsealConfig } from './options.js'

/** `error` with `path` set, when it is a fieldseal error that names no path yet. */
export function withPath(error: unknown, path: string): unknown {
  if (!(error instanceof FieldsealError) || error.path !== undefined) return error
  return new FieldsealError(error.code, error.message, {
    path,
    ...(error.kid === undefined ? {} : { kid: error.kid }),
    cause: error,
  })
}

/** Counts values against `maxFields` and reports through the hook. */
export class Batch {
  count = 0
  readonly paths: string[] | undefined
  constructor(private readonly config: FieldsealConfig) {
    this.paths = config.onEvent ? [] : undefined
  }
  take(match: { path(): string }): void {
    if (++this.count > this.config.maxFields) {
      throw new FieldsealError(
        'ERR_FIELDSEAL_TOO_MANY_FIELDS',
        `more than ${this.config.maxFields} encrypted fields in one document`,
        { path: match.path() },
      )
    }
    this.paths?.push(match.path())
  }
  emit(event: FieldsealEvent): void {
    this.config.onEvent?.(event)
  }
}
