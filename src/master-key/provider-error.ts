/**
 * The four ways a master-key provider fails, each with its code, and the one constructor every
 * provider uses, so that a user can `switch (err.code)` whatever the backend.
 *
 * The cause attached is never the backend's own error object: SDK and HTTP errors carry request
 * and response objects, headers and bodies that may hold tokens or ciphertext. It is a plain
 * `Error` whose message is only the backend's error name or status (e.g. `CKR_PIN_INCORRECT`,
 * `AccessDeniedException`, `HTTP 403`).
 *
 * @module
 */
import { FieldsealError, type FieldsealErrorCode } from '../errors.js'

/** What went wrong, as a user must react to it. */
export type ProviderFailure = 'wrong-key' | 'denied' | 'unavailable' | 'misconfigured'

const CODE_BY_FAILURE: Readonly<Record<ProviderFailure, FieldsealErrorCode>> = {
  'wrong-key': 'ERR_FIELDSEAL_WRONG_MASTER_KEY',
  denied: 'ERR_FIELDSEAL_PROVIDER_DENIED',
  unavailable: 'ERR_FIELDSEAL_PROVIDER_UNAVAILABLE',
  misconfigured: 'ERR_FIELDSEAL_PROVIDER_MISCONFIGURED',
}

/**
 * A coded error for a provider failure. `provider` names the provider (`pkcs11`, `aws-kms`,
 * `vault-transit`), `what` says what failed; `backendError` is the backend's error name or
 * status, kept as a sanitised cause.
 *
 * @example
 * ```ts
 * throw providerError('pkcs11', 'denied', 'C_Login refused the PIN', 'CKR_PIN_INCORRECT')
 * ```
 */
export function providerError(
  provider: string,
  failure: ProviderFailure,
  what: string,
  backendError?: string,
): FieldsealError {
  const detail = backendError === undefined ? '' : ` (${backendError})`
  return new FieldsealError(CODE_BY_FAILURE[failure], `${provider}: ${what}${detail}`, {
    cause: backendError === undefined ? undefined : new Error(backendError),
  })
}

/**
 * The error every provider throws once `close()` has run.
 *
 * @example
 * ```ts
 * let closed = false
 * const unwrap = async (wrapped: Uint8Array) => {
 *   if (closed) throw closedProvider('key-service') // ERR_FIELDSEAL_PROVIDER_UNAVAILABLE
 *   return wrapped
 * }
 * ```
 */
export function closedProvider(provider: string): FieldsealError {
  return providerError(provider, 'unavailable', 'the provider was closed')
}
