import { describe, expect, it } from 'vitest'
import { pkcs11Error, returnValueName } from '../../../../src/master-key/pkcs11/errors.js'

function pkcs11js(name: string, code: number): Error {
  return Object.assign(new Error(name), { name: 'Pkcs11Error', code })
}

describe('PKCS#11 return values', () => {
  it('names pkcs11js errors, including v3.0 CKR_AEAD_DECRYPT_FAILED', () => {
    expect(returnValueName(pkcs11js('CKR_PIN_INCORRECT', 0xa0))).toBe('CKR_PIN_INCORRECT')
    expect(returnValueName(pkcs11js('unknown', 0x35))).toBe('CKR_AEAD_DECRYPT_FAILED')
    expect(returnValueName(pkcs11js('odd text', 0x8000_0001))).toBe('CKR 0x80000001')
    expect(returnValueName(new TypeError('x'))).toBe('TypeError')
  })

  it('counts a failed check as a wrong key only while opening a wrapped key', () => {
    expect(pkcs11Error('C_Decrypt', pkcs11js('CKR_GENERAL_ERROR', 5), true).code).toBe(
      'ERR_FIELDSEAL_WRONG_MASTER_KEY',
    )
    expect(pkcs11Error('C_Decrypt', pkcs11js('unknown', 0x35), true).code).toBe(
      'ERR_FIELDSEAL_WRONG_MASTER_KEY',
    )
    expect(pkcs11Error('C_Encrypt', pkcs11js('CKR_GENERAL_ERROR', 5)).code).toBe(
      'ERR_FIELDSEAL_PROVIDER_UNAVAILABLE',
    )
    expect(pkcs11Error('C_Decrypt', pkcs11js('CKR_DEVICE_REMOVED', 0x32), true).code).toBe(
      'ERR_FIELDSEAL_PROVIDER_UNAVAILABLE',
    )
  })

  it('maps PIN, token and key problems to their codes', () => {
    expect(pkcs11Error('C_Login', pkcs11js('CKR_PIN_LOCKED', 0xa4)).code).toBe(
      'ERR_FIELDSEAL_PROVIDER_DENIED',
    )
    expect(pkcs11Error('C_OpenSession', pkcs11js('CKR_TOKEN_NOT_PRESENT', 0xe0)).code).toBe(
      'ERR_FIELDSEAL_PROVIDER_UNAVAILABLE',
    )
    expect(
      pkcs11Error('C_EncryptInit', pkcs11js('CKR_KEY_FUNCTION_NOT_PERMITTED', 0x68)).code,
    ).toBe('ERR_FIELDSEAL_PROVIDER_MISCONFIGURED')
    const error = pkcs11Error('C_Login', pkcs11js('CKR_PIN_INCORRECT', 0xa0))
    expect(error.message).toBe('pkcs11: C_Login failed (CKR_PIN_INCORRECT)')
    expect((error.cause as Error).message).toBe('CKR_PIN_INCORRECT')
  })
})
