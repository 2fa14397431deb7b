import { describe, expect, it } from 'vitest'
import { kmsError } from '../../../../src/master-key/aws-kms/errors.js'

const sdkError = (name: string, status?: number, extra: object = {}) =>
  Object.assign(new Error(`service message for ${name}`), {
    name,
    $metadata: { httpStatusCode: status, attempts: 3 },
    ...extra,
  })

describe('kmsError', () => {
  it('maps KMS error names to the four provider failures', () => {
    expect(kmsError('Decrypt', sdkError('InvalidCiphertextException', 400)).code).toBe(
      'ERR_FIELDSEAL_WRONG_MASTER_KEY',
    )
    expect(kmsError('Decrypt', sdkError('IncorrectKeyException', 400)).code).toBe(
      'ERR_FIELDSEAL_WRONG_MASTER_KEY',
    )
    expect(kmsError('Encrypt', sdkError('ExpiredTokenException', 400)).code).toBe(
      'ERR_FIELDSEAL_PROVIDER_DENIED',
    )
    expect(kmsError('Encrypt', sdkError('KMSInvalidStateException', 400)).code).toBe(
      'ERR_FIELDSEAL_PROVIDER_UNAVAILABLE',
    )
    expect(kmsError('Encrypt', sdkError('InvalidKeyUsageException', 400)).code).toBe(
      'ERR_FIELDSEAL_PROVIDER_MISCONFIGURED',
    )
    expect(kmsError('Encrypt', sdkError('CredentialsProviderError')).code).toBe(
      'ERR_FIELDSEAL_PROVIDER_MISCONFIGURED',
    )
  })

  it('treats network failures and unknown 5xx as unavailable, unknown 4xx as misconfigured', () => {
    expect(
      kmsError('Encrypt', Object.assign(new Error('connect'), { code: 'ECONNREFUSED' })).code,
    ).toBe('ERR_FIELDSEAL_PROVIDER_UNAVAILABLE')
    expect(kmsError('Encrypt', sdkError('SomethingNew', 502)).code).toBe(
      'ERR_FIELDSEAL_PROVIDER_UNAVAILABLE',
    )
    expect(kmsError('Encrypt', sdkError('SomethingNew', 409)).code).toBe(
      'ERR_FIELDSEAL_PROVIDER_MISCONFIGURED',
    )
    expect(kmsError('Encrypt', undefined).code).toBe('ERR_FIELDSEAL_PROVIDER_MISCONFIGURED')
  })

  it('keeps only the name, status and attempts, never the service message', () => {
    const error = kmsError('Decrypt', sdkError('AccessDeniedException', 400))
    expect(error.message).toBe(
      'aws-kms: Decrypt: access denied by the key policy or IAM (AccessDeniedException, HTTP 400, 3 attempts)',
    )
    expect(String((error.cause as Error).message)).not.toContain('service message')
  })
})
