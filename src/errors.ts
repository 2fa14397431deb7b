/**
 * The one error class of fieldseal and its stable codes.
 *
 * Messages name a field path, a key id or an option — never a plaintext, a ciphertext or key
 * bytes — so an error can be logged or returned to a client as it is.
 *
 * @module
 */

/** Every code a {@link FieldsealError} can carry. Switch on it; messages may change. */
export type FieldsealErrorCode =
  | 'ERR_FIELDSEAL_NO_KEY'
  | 'ERR_FIELDSEAL_INVALID_KEY'
  | 'ERR_FIELDSEAL_MALFORMED'
  | 'ERR_FIELDSEAL_LEGACY_FORMAT'
  | 'ERR_FIELDSEAL_UNKNOWN_KEY'
  | 'ERR_FIELDSEAL_KEY_UNAVAILABLE'
  | 'ERR_FIELDSEAL_DECRYPT_FAILED'
  | 'ERR_FIELDSEAL_PLAINTEXT_FIELD'
  | 'ERR_FIELDSEAL_UNSUPPORTED_VALUE'
  | 'ERR_FIELDSEAL_INVALID_OPTION'
  | 'ERR_FIELDSEAL_INVALID_PATH'
  | 'ERR_FIELDSEAL_TOO_DEEP'
  | 'ERR_FIELDSEAL_TOO_MANY_FIELDS'
  | 'ERR_FIELDSEAL_FIELD_VARIANT'
  | 'ERR_FIELDSEAL_UNEXPECTED_CIPHERTEXT'
  | 'ERR_FIELDSEAL_VALUE_TOO_LONG'
  | 'ERR_FIELDSEAL_BODY_NOT_PARSED'
  | 'ERR_FIELDSEAL_BODY_MALFORMED'
  | 'ERR_FIELDSEAL_BODY_TOO_LARGE'
  | 'ERR_FIELDSEAL_BODY_UNSUPPORTED'
  | 'ERR_FIELDSEAL_RESPONSE_FAILED'
  | 'ERR_FIELDSEAL_KEY_NOT_FOUND'
  | 'ERR_FIELDSEAL_KEY_STATE'
  | 'ERR_FIELDSEAL_KEY_IN_USE'
  | 'ERR_FIELDSEAL_KEY_EXHAUSTED'
  | 'ERR_FIELDSEAL_WRONG_MASTER_KEY'
  | 'ERR_FIELDSEAL_STORE_CORRUPT'
  | 'ERR_FIELDSEAL_STORE_TAMPERED'
  | 'ERR_FIELDSEAL_KEYRING_NOT_FOUND'
  | 'ERR_FIELDSEAL_KEYRING_STALE'
  | 'ERR_FIELDSEAL_STORE_LOCKED'
  | 'ERR_FIELDSEAL_STORE_CONFLICT'
  | 'ERR_FIELDSEAL_INVALID_NDJSON'
  | 'ERR_FIELDSEAL_PROVIDER_DENIED'
  | 'ERR_FIELDSEAL_PROVIDER_UNAVAILABLE'
  | 'ERR_FIELDSEAL_PROVIDER_MISCONFIGURED'

/**
 * HTTP status for each code, shared by every adapter so all answer alike.
 * Request-data problems are 4xx; configuration and key-store problems are 500, because the
 * client cannot fix them.
 */
const STATUS_BY_CODE: Readonly<Record<FieldsealErrorCode, number>> = {
  ERR_FIELDSEAL_NO_KEY: 500,
  ERR_FIELDSEAL_INVALID_KEY: 500,
  ERR_FIELDSEAL_MALFORMED: 400,
  ERR_FIELDSEAL_LEGACY_FORMAT: 400,
  ERR_FIELDSEAL_UNKNOWN_KEY: 400,
  ERR_FIELDSEAL_KEY_UNAVAILABLE: 400,
  ERR_FIELDSEAL_DECRYPT_FAILED: 400,
  ERR_FIELDSEAL_PLAINTEXT_FIELD: 500,
  ERR_FIELDSEAL_UNSUPPORTED_VALUE: 400,
  ERR_FIELDSEAL_INVALID_OPTION: 500,
  ERR_FIELDSEAL_INVALID_PATH: 500,
  ERR_FIELDSEAL_TOO_DEEP: 400,
  ERR_FIELDSEAL_TOO_MANY_FIELDS: 413,
  ERR_FIELDSEAL_FIELD_VARIANT: 400,
  ERR_FIELDSEAL_UNEXPECTED_CIPHERTEXT: 400,
  ERR_FIELDSEAL_VALUE_TOO_LONG: 413,
  ERR_FIELDSEAL_BODY_NOT_PARSED: 500,
  ERR_FIELDSEAL_BODY_MALFORMED: 400,
  ERR_FIELDSEAL_BODY_TOO_LARGE: 413,
  ERR_FIELDSEAL_BODY_UNSUPPORTED: 415,
  ERR_FIELDSEAL_RESPONSE_FAILED: 500,
  ERR_FIELDSEAL_KEY_NOT_FOUND: 500,
  ERR_FIELDSEAL_KEY_STATE: 500,
  ERR_FIELDSEAL_KEY_IN_USE: 500,
  ERR_FIELDSEAL_KEY_EXHAUSTED: 500,
  ERR_FIELDSEAL_WRONG_MASTER_KEY: 500,
  ERR_FIELDSEAL_STORE_CORRUPT: 500,
  ERR_FIELDSEAL_STORE_TAMPERED: 500,
  ERR_FIELDSEAL_KEYRING_NOT_FOUND: 500,
  // Transient: sealing resumes by itself once the keyring reloads.
  ERR_FIELDSEAL_KEYRING_STALE: 503,
  ERR_FIELDSEAL_STORE_LOCKED: 500,
  ERR_FIELDSEAL_STORE_CONFLICT: 500,
  ERR_FIELDSEAL_INVALID_NDJSON: 400,
  ERR_FIELDSEAL_PROVIDER_DENIED: 500,
  ERR_FIELDSEAL_PROVIDER_UNAVAILABLE: 503,
  ERR_FIELDSEAL_PROVIDER_MISCONFIGURED: 500,
}

/** Every code, in a stable order (for docs and exhaustive tests). */
export const FIELDSEAL_ERROR_CODES = Object.freeze(
  Object.keys(STATUS_BY_CODE) as FieldsealErrorCode[],
)

/** Extra, non-secret facts attached to an error. */
export interface FieldsealErrorDetails {
  /** Path of the field in the document, e.g. `customers[2].ssn`. */
  readonly path?: string
  /** Key id involved, when there is one. A key id is not secret. */
  readonly kid?: string
  readonly cause?: unknown
}

/**
 * The error fieldseal throws for bad data, bad configuration and key-store problems.
 * Wrong argument types are plain `TypeError`s instead.
 *
 * @example
 * ```ts
 * try {
 *   sealer.decryptField('enc:v1:Xk3v9_Qa1Bc:AAAA')
 * } catch (err) {
 *   if (err instanceof FieldsealError && err.code === 'ERR_FIELDSEAL_DECRYPT_FAILED') {
 *     // wrong key or tampered value: the two are deliberately indistinguishable
 *   }
 * }
 * ```
 */
export class FieldsealError extends Error {
  readonly code: FieldsealErrorCode
  readonly path: string | undefined
  readonly kid: string | undefined
  /** HTTP status an adapter answers with. */
  readonly status: number
  /** Koa reads this: a 4xx message is safe to show to the client, a 5xx is not. */
  readonly expose: boolean

  constructor(code: FieldsealErrorCode, message: string, details: FieldsealErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause })
    this.name = this.constructor.name
    this.code = code
    this.path = details.path
    this.kid = details.kid
    this.status = httpStatusFor(code)
    this.expose = this.status < 500
  }
}

/**
 * The HTTP status fieldseal maps a code to.
 *
 * @example
 * ```ts
 * httpStatusFor('ERR_FIELDSEAL_MALFORMED') // 400
 * ```
 */
export function httpStatusFor(code: FieldsealErrorCode): number {
  return STATUS_BY_CODE[code] ?? 500
}

/** True for a {@link FieldsealError}, optionally with a given code. */
export function isFieldsealError(
  value: unknown,
  code?: FieldsealErrorCode,
): value is FieldsealError {
  return value instanceof FieldsealError && (code === undefined || value.code === code)
}
