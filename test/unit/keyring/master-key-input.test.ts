import { describe, expect, it } from 'vitest'
import { AesGcmCipher } from '../../../src/crypto/aes-gcm.js'
import {
  checkMasterKeyInput,
  masterKeyInputFromEnv,
} from '../../../src/keyring/master-key-input.js'

describe('masterKeyInputFromEnv', () => {
  const key = AesGcmCipher.generateKey().toString('base64')
  it('reads FIELDSEAL_MASTER_PROVIDER first: a remote spec, or env / passphrase from their variables', () => {
    expect(masterKeyInputFromEnv({ FIELDSEAL_MASTER_PROVIDER: 'aws-kms:alias/fieldseal' })).toEqual(
      { spec: { kind: 'aws-kms', target: 'alias/fieldseal' } },
    )
    expect(
      masterKeyInputFromEnv({ FIELDSEAL_MASTER_PROVIDER: 'env', FIELDSEAL_MASTER_KEY: key }),
    ).toHaveProperty('key')
    expect(() => masterKeyInputFromEnv({ FIELDSEAL_MASTER_PROVIDER: 'passphrase' })).toThrow(
      expect.objectContaining({ code: 'ERR_FIELDSEAL_NO_KEY' }),
    )
    // A remote provider beside a raw key is ambiguous: refused, naming what to unset.
    expect(() =>
      masterKeyInputFromEnv({
        FIELDSEAL_MASTER_PROVIDER: 'vault-transit:fieldseal',
        FIELDSEAL_MASTER_KEY: key,
      }),
    ).toThrow(expect.objectContaining({ code: 'ERR_FIELDSEAL_INVALID_OPTION' }))
    // A spec that names no provider is refused without being echoed.
    const pasted = `${key}`
    const error = (() => {
      try {
        masterKeyInputFromEnv({ FIELDSEAL_MASTER_PROVIDER: pasted })
      } catch (e) {
        return e as Error
      }
      return undefined
    })()
    expect(error).toMatchObject({ code: 'ERR_FIELDSEAL_INVALID_OPTION' })
    expect(error?.message).not.toContain(key)
  })

  it('reads FIELDSEAL_MASTER_KEY, else FIELDSEAL_MASTER_PASSPHRASE', () => {
    expect(masterKeyInputFromEnv({ FIELDSEAL_MASTER_KEY: key })).toHaveProperty('key')
    expect(masterKeyInputFromEnv({ FIELDSEAL_MASTER_PASSPHRASE: 'pw' })).toMatchObject({
      passphrase: 'pw',
      iterations: 600_000,
    })
  })
  it('refuses none, both, non-canonical base64 and the wrong length', () => {
    expect(() => masterKeyInputFromEnv({})).toThrow(
      expect.objectContaining({ code: 'ERR_FIELDSEAL_NO_KEY' }),
    )
    expect(() =>
      masterKeyInputFromEnv({ FIELDSEAL_MASTER_KEY: key, FIELDSEAL_MASTER_PASSPHRASE: 'x' }),
    ).toThrow(expect.objectContaining({ code: 'ERR_FIELDSEAL_INVALID_OPTION' }))
    const sloppy = key.replace(/=$/, '')
    expect(() => masterKeyInputFromEnv({ FIELDSEAL_MASTER_KEY: sloppy })).toThrow(
      expect.objectContaining({ code: 'ERR_FIELDSEAL_INVALID_KEY' }),
    )
    const short = Buffer.alloc(16).toString('base64')
    expect(() => masterKeyInputFromEnv({ FIELDSEAL_MASTER_KEY: short })).toThrow(
      expect.objectContaining({ code: 'ERR_FIELDSEAL_INVALID_KEY' }),
    )
  })
})

describe('checkMasterKeyInput', () => {
  it('refuses too few PBKDF2 iterations, an empty passphrase, and key plus passphrase', () => {
    const invalid = expect.objectContaining({ code: 'ERR_FIELDSEAL_INVALID_OPTION' })
    expect(() => checkMasterKeyInput({ passphrase: 'pw', iterations: 99_999 })).toThrow(invalid)
    expect(() => checkMasterKeyInput({ passphrase: '' })).toThrow(invalid)
    const both = { key: AesGcmCipher.generateKey(), passphrase: 'pw' } as never
    expect(() => checkMasterKeyInput(both)).toThrow(invalid)
  })
})
