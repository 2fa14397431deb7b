/**
 * AWS KMS errors, as the SDK names them, mapped to the provider failure codes. The SDK has
 * already retried what it retries (throttling, 5xx, network errors: three attempts by default);
 * what reaches this mapping is final.
 *
 * Only the error's name, HTTP status and attempt count are kept: the SDK error holds the
 * service's message and response metadata, which we do not forward.
 *
 * @module
 */
import type { FieldsealError } from '../../errors.js'
import { providerError, type ProviderFailure } from '../provider-error.js'

const PROVIDER = 'aws-kms'

const FAILURE_BY_NAME: Readonly<Record<string, readonly [ProviderFailure, string]>> = {
  IncorrectKeyException: ['wrong-key', 'the wrapped key was made under another KMS key'],
  InvalidCiphertextException: [
    'wrong-key',
    'the wrapped key does not open (altered, or another encryption context)',
  ],
  AccessDeniedException: ['denied', 'access denied by the key policy or IAM'],
  UnrecognizedClientException: ['denied', 'the credentials are not recognised'],
  InvalidSignatureException: ['denied', 'the request signature was rejected'],
  IncompleteSignature: ['denied', 'the request signature was rejected'],
  ExpiredTokenException: ['denied', 'the session credentials have expired'],
  InvalidClientTokenId: ['denied', 'the credentials are not recognised'],
  ThrottlingException: ['unavailable', 'KMS kept throttling the requests'],
  LimitExceededException: ['unavailable', 'KMS kept refusing the request rate'],
  KMSInternalException: ['unavailable', 'KMS failed internally'],
  DependencyTimeoutException: ['unavailable', 'KMS timed out'],
  KeyUnavailableException: ['unavailable', 'the key material is not available'],
  DisabledException: ['unavailable', 'the KMS key is disabled'],
  KMSInvalidStateException: [
    'unavailable',
    'the KMS key is not usable in its current state (pending deletion or import)',
  ],
  TimeoutError: ['unavailable', 'no answer in time'],
  NotFoundException: ['misconfigured', 'the KMS key or alias does not exist'],
  InvalidArnException: ['misconfigured', 'the key ARN is invalid'],
  InvalidKeyUsageException: ['misconfigured', 'the KMS key is not a symmetric ENCRYPT_DECRYPT key'],
  UnsupportedOperationException: ['misconfigured', 'the KMS key does not support this operation'],
  ValidationException: ['misconfigured', 'KMS rejected the request as invalid'],
  CredentialsProviderError: ['misconfigured', 'no AWS credentials were found'],
}

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
])

/**
 * The coded error for an SDK error thrown by `operation` (`Encrypt`, `Decrypt`).
 *
 * @example
 * ```ts
 * try { await client.send(command) } catch (error) { throw kmsError('Decrypt', error) }
 * ```
 */
export function kmsError(operation: string, error: unknown): FieldsealError {
  const e = (error ?? {}) as {
    name?: unknown
    code?: unknown
    $metadata?: { httpStatusCode?: number; attempts?: number }
  }
  const name = typeof e.name === 'string' ? e.name : 'Error'
  const status = e.$metadata?.httpStatusCode
  const attempts = e.$metadata?.attempts
  const detail = [
    name,
    status === undefined ? '' : `HTTP ${status}`,
    attempts === undefined ? '' : `${attempts} attempts`,
  ]
    .filter((part) => part !== '')
    .join(', ')
  const known = FAILURE_BY_NAME[name]
  if (known !== undefined)
    return providerError(PROVIDER, known[0], `${operation}: ${known[1]}`, detail)
  if (typeof e.code === 'string' && NETWORK_CODES.has(e.code)) {
    return providerError(PROVIDER, 'unavailable', `${operation}: KMS could not be reached`, e.code)
  }
  if (status !== undefined && status >= 500) {
    return providerError(PROVIDER, 'unavailable', `${operation}: KMS failed`, detail)
  }
  return providerError(PROVIDER, 'misconfigured', `${operation}: KMS refused the request`, detail)
}
