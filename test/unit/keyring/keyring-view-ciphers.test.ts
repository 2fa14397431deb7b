import { inspect } from 'node:util'
import { describe, expect, it } from 'vitest'
import { AesGcmCipher } from '../../../src/crypto/aes-gcm.js'
import { CountingCipher, DecryptOnlyCipher } from '../../../src/keyring/keyring-view.js'

describe('keyring ciphers', () => {
  const inner = new AesGcmCipher(AesGcmCipher.generateKey())
  it('CountingCipher counts encryptions only, and round-trips', () => {
    let count = 0
    const cipher = new CountingCipher(inner, () => count++)
    const sealed = cipher.encrypt('x', 'aad')
    expect(cipher.decrypt(sealed, 'aad').toString()).toBe('x')
    expect(count).toBe(1)
    expect(inspect(cipher)).toBe('[CountingCipher]')
  })
  it('DecryptOnlyCipher decrypts and refuses to encrypt', () => {
    const cipher = new DecryptOnlyCipher(inner, 'old')
    expect(cipher.decrypt(inner.encrypt('y')).toString()).toBe('y')
    expect(() => cipher.encrypt()).toThrow(
      expect.objectContaining({ code: 'ERR_FIELDSEAL_KEY_STATE', kid: 'old' }),
    )
    expect(JSON.stringify({ cipher })).toBe('{"cipher":"[DecryptOnlyCipher]"}')
  })
})
