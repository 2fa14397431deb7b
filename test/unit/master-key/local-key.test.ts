import { describe, expect, it } from 'vitest'
import { AesGcmCipher } from '../../../src/crypto/aes-gcm.js'
import {
  createLocalKeyProvider,
  createPassphraseProvider,
} from '../../../src/master-key/local-key.js'
import { describeProviderContract } from '../../helpers/provider-contract.js'

const ITERATIONS = 100_000

describeProviderContract('env (a raw key in process memory)', async () => {
  const key = AesGcmCipher.generateKey()
  return {
    provider: createLocalKeyProvider({ key: key.toString('base64') }),
    otherKey: createLocalKeyProvider({ key: AesGcmCipher.generateKey() }),
    secrets: [key.toString('base64')],
  }
})

describeProviderContract('passphrase (PBKDF2)', async () => ({
  provider: await createPassphraseProvider({ passphrase: 'correct horse', iterations: ITERATIONS }),
  otherKey: await createPassphraseProvider({
    passphrase: 'battery staple',
    iterations: ITERATIONS,
  }),
  secrets: ['correct horse', 'battery staple'],
}))

describe('createPassphraseProvider', () => {
  it('finds the same key from the same passphrase, salt and count; another salt is another key', async () => {
    const fresh = await createPassphraseProvider({ passphrase: 'pw', iterations: ITERATIONS })
    const { salt, iterations } = fresh.identity as unknown as { salt: string; iterations: number }
    expect(fresh.identity).toEqual({ kind: 'passphrase', salt, iterations: ITERATIONS })
    const again = await createPassphraseProvider({ passphrase: 'pw', salt, iterations })
    expect(again.fingerprint).toBe(fresh.fingerprint)
    const other = await createPassphraseProvider({ passphrase: 'pw', iterations: ITERATIONS })
    expect(other.fingerprint).not.toBe(fresh.fingerprint)
  })

  it('refuses an empty passphrase, a count out of bounds and a salt that is not base64', async () => {
    const invalid = { code: 'ERR_FIELDSEAL_INVALID_OPTION' }
    await expect(createPassphraseProvider({ passphrase: '' })).rejects.toMatchObject(invalid)
    await expect(
      createPassphraseProvider({ passphrase: 'pw', iterations: 99_999 }),
    ).rejects.toMatchObject(invalid)
    await expect(
      createPassphraseProvider({ passphrase: 'pw', iterations: 10_000_001 }),
    ).rejects.toMatchObject(invalid)
    await expect(
      createPassphraseProvider({ passphrase: 'pw', salt: 'not base64!', iterations: ITERATIONS }),
    ).rejects.toMatchObject({ code: 'ERR_FIELDSEAL_STORE_CORRUPT' })
  })
})

describe('createLocalKeyProvider', () => {
  it('has the identity env and a fingerprint, and refuses a key that is not 32 bytes', () => {
    const provider = createLocalKeyProvider({ key: AesGcmCipher.generateKey() })
    expect(provider.identity).toEqual({ kind: 'env', fingerprint: provider.fingerprint })
    expect(provider.fingerprint).toMatch(/^[A-Za-z0-9_-]{11}$/)
    expect(() => createLocalKeyProvider({ key: Buffer.alloc(16) })).toThrow()
  })
})
