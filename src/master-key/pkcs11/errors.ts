/**
 * PKCS#11 return values (`CKR_*`, PKCS#11 v2.40 §11 and v3.0 §5.1) mapped to the provider
 * failure codes.
 *
 * Which values mean "the ciphertext does not open" depends on the call: SoftHSM 2.6 answers a
 * failed AES-GCM tag check in `C_Decrypt` with `CKR_GENERAL_ERROR`, v3.0 tokens with
 * `CKR_AEAD_DECRYPT_FAILED`, others with `CKR_ENCRYPTED_DATA_INVALID`; an unwrap of foreign bytes
 * gives `CKR_WRAPPED_KEY_INVALID`. So those count as a wrong key only when they come from opening
 * a wrapped key; anywhere else they are the token failing.
 *
 * @module
 */
import type { FieldsealError } from '../../errors.js'
import { providerError, type ProviderFailure } from '../provider-error.js'

const PROVIDER = 'pkcs11'

/** CKR_AEAD_DECRYPT_FAILED (v3.0), which pkcs11js 2 has no name for. */
const CKR_AEAD_DECRYPT_FAILED = 0x35

const OPENING_FAILURES = new Set([
  'CKR_GENERAL_ERROR',
  'CKR_ENCRYPTED_DATA_INVALID',
  'CKR_ENCRYPTED_DATA_LEN_RANGE',
  'CKR_WRAPPED_KEY_INVALID',
  'CKR_WRAPPED_KEY_LEN_RANGE',
  'CKR_AEAD_DECRYPT_FAILED',
])

const FAILURE_BY_NAME: Readonly<Record<string, ProviderFailure>> = {
  CKR_PIN_INCORRECT: 'denied',
  CKR_PIN_INVALID: 'denied',
  CKR_PIN_LEN_RANGE: 'denied',
  CKR_PIN_EXPIRED: 'denied',
  CKR_PIN_LOCKED: 'denied',
  CKR_USER_NOT_LOGGED_IN: 'denied',
  CKR_USER_TYPE_INVALID: 'denied',
  CKR_USER_ANOTHER_ALREADY_LOGGED_IN: 'denied',
  CKR_USER_TOO_MANY_TYPES: 'denied',
  CKR_TOKEN_NOT_PRESENT: 'unavailable',
  CKR_TOKEN_NOT_RECOGNIZED: 'unavailable',
  CKR_DEVICE_REMOVED: 'unavailable',
  CKR_DEVICE_ERROR: 'unavailable',
  CKR_DEVICE_MEMORY: 'unavailable',
  CKR_HOST_MEMORY: 'unavailable',
  CKR_SESSION_CLOSED: 'unavailable',
  CKR_SESSION_HANDLE_INVALID: 'unavailable',
  CKR_SESSION_COUNT: 'unavailable',
  CKR_FUNCTION_CANCELED: 'unavailable',
  CKR_CRYPTOKI_NOT_INITIALIZED: 'unavailable',
  CKR_USER_PIN_NOT_INITIALIZED: 'misconfigured',
  CKR_MECHANISM_INVALID: 'misconfigured',
  CKR_MECHANISM_PARAM_INVALID: 'misconfigured',
  CKR_KEY_HANDLE_INVALID: 'misconfigured',
  CKR_KEY_TYPE_INCONSISTENT: 'misconfigured',
  CKR_KEY_FUNCTION_NOT_PERMITTED: 'misconfigured',
  CKR_KEY_SIZE_RANGE: 'misconfigured',
  CKR_KEY_NOT_WRAPPABLE: 'misconfigured',
  CKR_KEY_UNEXTRACTABLE: 'misconfigured',
  CKR_ATTRIBUTE_SENSITIVE: 'misconfigured',
  CKR_TEMPLATE_INCONSISTENT: 'misconfigured',
  CKR_TEMPLATE_INCOMPLETE: 'misconfigured',
  CKR_TOKEN_WRITE_PROTECTED: 'misconfigured',
}

/**
 * The `CKR_*` name of a pkcs11js error, or its class name for anything else.
 *
 * @example
 * ```ts
 * returnValueName(error) // 'CKR_PIN_INCORRECT'
 * ```
 */
export function returnValueName(error: unknown): string {
  const e = (error ?? {}) as { name?: unknown; message?: unknown; code?: unknown }
  if (e.name === 'Pkcs11Error') {
    if (e.code === CKR_AEAD_DECRYPT_FAILED) return 'CKR_AEAD_DECRYPT_FAILED'
    if (typeof e.message === 'string' && /^CKR_[A-Z0-9_]+$/.test(e.message)) return e.message
    return `CKR 0x${Number(e.code ?? 0).toString(16)}`
  }
  return typeof e.name === 'string' ? e.name : 'Error'
}

/**
 * The coded error for a failed PKCS#11 call. `opening` is true while a wrapped key is being
 * opened (`C_Decrypt`, `C_UnwrapKey`), where a failed check means the wrong key or altered bytes.
 *
 * @example
 * ```ts
 * throw pkcs11Error('C_Login', error)
 * ```
 */
export function pkcs11Error(call: string, error: unknown, opening = false): FieldsealError {
  const name = returnValueName(error)
  if (opening && OPENING_FAILURES.has(name)) {
    return providerError(
      PROVIDER,
      'wrong-key',
      'the wrapped key does not open under this token key',
      name,
    )
  }
  const failure = FAILURE_BY_NAME[name] ?? 'unavailable'
  return providerError(PROVIDER, failure, `${call} failed`, name)
}
