import { describe, expect, it, vi } from 'vitest'

// Lets the known-answer tests pin the nonce; every other test uses the real CSPRNG pool.
const pinned = vi.hoisted(() => ({ nonce: undefined as Buffer | undefined }))
vi.mock('../../../src/crypto/nonce-pool.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../../src/crypto/nonce-pool.js')>()
  return { ...real, nextNonce: () => pinned.nonce ?? real.nextNonce() }
})

const { AesGcmCipher } = await import('../../../src/crypto/aes-gcm.js')
const { createFieldseal } = await import('../../../src/core/fieldseal.js')
const { b64, fixture } = await import('../../helpers/fixtures.js')

const seed = fixture('seed-format.json')
const fieldCases = seed.cases.filter((c: any) => c.kind === 'field')

describe('seed-format.json: values made by the reference implementation', () => {
  it('has every case', () => {
    expect(seed.cases).toHaveLength(seed.numberOfCases)
  })

  for (const test of fieldCases.filter((c: any) => c.expected === 'valid')) {
    it(`case ${test.id} decrypts to its plaintext (${test.comment})`, () => {
      const fs = createFieldseal({ keys: [test.key_b64] })
      expect(fs.decryptField(test.field_value)).toBe(test.plaintext)
      expect(Buffer.byteLength(test.plaintext)).toBe(test.plaintext_utf8_bytes)
    })

    it(`case ${test.id} is reproduced byte for byte with its nonce`, () => {
      pinned.nonce = b64(test.nonce_b64)
      try {
        const cipher = new AesGcmCipher(b64(test.key_b64))
        expect(`enc:${cipher.encryptString(test.plaintext)}`).toBe(test.field_value)
      } finally {
        pinned.nonce = undefined
      }
    })
  }

  for (const test of fieldCases.filter((c: any) => c.expected === 'not_encrypted')) {
    it(`case ${test.id}: an empty value passes both ways unchanged`, () => {
      const fs = createFieldseal({ keys: [test.key_b64] })
      expect(fs.encryptField(test.field_value)).toBe(test.field_value)
      expect(fs.decryptField(test.field_value)).toBe(test.field_value)
    })
  }

  for (const test of fieldCases.filter((c: any) => c.expected === 'reject')) {
    it(`case ${test.id} is rejected with a coded error (${test.tamper})`, () => {
      const fs = createFieldseal({ keys: [test.key_b64] })
      let thrown: any
      try {
        fs.decryptField(test.field_value)
      } catch (error) {
        thrown = error
      }
      expect(thrown?.name).toBe('FieldsealError')
      expect(['ERR_FIELDSEAL_MALFORMED', 'ERR_FIELDSEAL_DECRYPT_FAILED']).toContain(thrown.code)
    })
  }

  it('legacy values decrypt with any configured key, newest first', () => {
    const [first, second] = fieldCases.filter((c: any) => c.expected === 'valid')
    const fs = createFieldseal({ keys: [first.key_b64, second.key_b64] })
    expect(fs.decryptField(first.field_value)).toBe(first.plaintext)
    expect(fs.decryptField(second.field_value)).toBe(second.plaintext)
  })

  it('re-encryption turns a legacy value into v1 bound to its context', () => {
    const test = fieldCases.find((c: any) => c.id === 3)
    const fs = createFieldseal({ keys: [test.key_b64] })
    const moved = fs.reencryptField(test.field_value, { context: 'email' }) as string
    expect(moved.startsWith('enc:v1:')).toBe(true)
    expect(fs.decryptField(moved, { context: 'email' })).toBe(test.plaintext)
    expect(() => fs.decryptField(moved)).toThrow(
      expect.objectContaining({ code: 'ERR_FIELDSEAL_DECRYPT_FAILED' }),
    )
  })
})
