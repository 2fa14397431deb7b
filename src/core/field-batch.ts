/**
 * What one document operation keeps as it goes — how many values it took (against
 * `maxFields`), their paths for the audit event — and the one place a value found in a document
 * is opened: a stored document (`decryptFields`, `reencryptFields`), a request body and a
 * response all open their values here, so the limit, the `legacy-format` and failure events and
 * the error located at its field are the same on every path.
 *
 * @module
 */
import { hasKeyId } from '../crypto/envelope.js'
import { openValue, sealValue } from '../crypto/field-value.js'
import type { KeySource } from '../crypto/key-source.js'
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

/** Returned by {@link KnownValues.recall} when a value must be decrypted for real. */
export const NOT_KNOWN: unique symbol = Symbol('fieldseal.notKnown')

/**
 * What already knows the plaintext of some values without decrypting them: a request's record
 * of what it sealed (src/http/seal-memo.ts). It must answer exactly what decryption would.
 */
export interface KnownValues {
  /** What opening `value` under `context` with `keys` gives, or {@link NOT_KNOWN}. */
  recall(keys: KeySource, value: string, context: string): unknown
}

/** A value's position, printed only when needed (an event, an error). */
export interface Located {
  path(): string
}

/** How {@link Batch.open} treats one value. */
export interface OpenOptions {
  /** Seal what opened again under the active key (a value already under it is returned as it is). */
  readonly reencrypt?: boolean
  /** Values whose plaintext is known without decryption. */
  readonly known?: KnownValues | undefined
}

/** Counts values against `maxFields`, opens them and reports through the hook. */
export class Batch {
  count = 0
  /** The paths taken, for a batch event; kept only when asked for and a hook listens. */
  readonly paths: string[] | undefined
  constructor(
    private readonly config: FieldsealConfig,
    recordPaths = false,
  ) {
    this.paths = recordPaths && config.onEvent ? [] : undefined
  }

  /** Counts one value of the document; `ERR_FIELDSEAL_TOO_MANY_FIELDS` past `maxFields`. */
  take(match: Located): void {
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

  /**
   * Opens one `enc:` value of the document under `context`, counted by {@link Batch.take}. A
   * legacy value is reported (`legacy-format`); a failure is reported (operation, path, key id,
   * code — never the value) and thrown located at the value's path.
   *
   * @example
   * ```ts
   * const plaintext = batch.open(row.ssn, 'ssn', match)
   * ```
   */
  open(value: string, context: string, match: Located, options: OpenOptions = {}): unknown {
    this.take(match)
    const { keys, readLegacy } = this.config
    try {
      if (options.reencrypt === true && hasKeyId(value, keys.encryptionKey().kid)) return value
      if (options.known !== undefined) {
        const known = options.known.recall(keys, value, context)
        if (known !== NOT_KNOWN) return known
      }
      const opened = openValue(keys, value, context, undefined, readLegacy)
      if (opened.legacy) {
        this.emit({
          operation: 'legacy-format',
          outcome: 'success',
          path: match.path(),
          kid: opened.kid,
        })
      }
      return options.reencrypt === true ? sealValue(keys, opened.value, context) : opened.value
    } catch (error) {
      const located = withPath(error, match.path())
      if (located instanceof FieldsealError) {
        this.emit({
          operation: options.reencrypt === true ? 'reencrypt' : 'decrypt',
          outcome: 'failure',
          path: match.path(),
          ...(located.kid === undefined ? {} : { kid: located.kid }),
          code: located.code,
        })
      }
      throw located
    }
  }
}
