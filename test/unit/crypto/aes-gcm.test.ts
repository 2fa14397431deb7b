import { describe, expect, it } from 'vitest'
import {
  AesGcmCipher,
  MAX_ENCRYPTIONS_PER_KEY,
  REFERENCE_PBKDF2_ITERATIONS,
} from '../../../src/crypto/aes-gcm.js'
import { b64, fixture, hex } from '../../helpers/fixtures.js'

const wycheproof = fixture('wycheproof-aes-gcm-256.json')
const pbkdf2 = fixture('wycheproof-pbkdf2-sha256.json')
const seed = fixture('seed-format.json')

describe('AesGcmCipher: Wycheproof AES-256-GCM (96-bit iv, 128-bit tag)', () => {
  const tests = wycheproof.testGroups.flatMap((group: any) => group.tests)
  it('has the full fixture', () => {
    expect(tests).toHaveLength(wycheproof.numberOfTests)
  })
  for (const test of tests) {
    const data = Buffer.concat([hex(test.iv), hex(test.ct), hex(test.tag)])
    if (test.result === 'valid') {
      it(`tcId ${test.tcId} decrypts to msg [${test.flags.join(',')}]`, () => {
        const cipher = new AesGcmCipher(hex(test.key))
        expect(cipher.decrypt(data, hex(test.aad)).toString('hex')).toBe(test.msg)
      })
    } else {
      it(`tcId ${test.tcId} is rejected [${test.flags.join(',')}]`, () => {
        const cipher = new AesGcmCipher(hex(test.key))
        expect(() => cipher.decrypt(data, hex(test.aad))).toThrow(
          expect.objectContaining({ code: 'ERR_FIELDSEAL_DECRYPT_FAILED' }),
        )
      })
    }
  }
})

describe('AesGcmCipher: reference cipher vectors (seed-format.json kind "cipher")', () => {
  for (const test of seed.cases.filter((c: any) => c.kind === 'cipher')) {
    const cipher = new AesGcmCipher(b64(test.key_b64))
    const aad = test.aad_b64 === null ? undefined : b64(test.aad_b64)
    if (test.expected === 'valid') {
      it(`case ${test.id} decrypts (${test.comment})`, () => {
        expect(cipher.decrypt(b64(test.ciphertext_b64), aad)).toEqual(b64(test.plaintext_b64))
        expect(cipher.decryptString(test.ciphertext_b64, aad)).toBe(
          b64(test.plaintext_b64).toString('utf8'),
        )
      })
    } else {
      it(`case ${test.id} is rejected (${test.tamper})`, () => {
        expect(() => cipher.decrypt(b64(test.ciphertext_b64), aad)).toThrow(
          expect.objectContaining({ code: 'ERR_FIELDSEAL_DECRYPT_FAILED' }),
        )
      })
    }
  }
})

describe('AesGcmCipher.deriveKey', () => {
  // deriveKey returns 32 bytes; PBKDF2 output blocks are independent, so the first 32 bytes of
  // a longer derived key are the 32-byte key. Cases with dkLen < 32 cannot be expressed.
  const cases = pbkdf2.testGroups
    .flatMap((group: any) => group.tests)
    .filter((test: any) => test.dkLen >= 32)
  it('covers the expressible Wycheproof cases', () => {
    expect(cases.length).toBeGreaterThan(30)
  })
  for (const test of cases) {
    it(`Wycheproof tcId ${test.tcId} (${test.iterationCount} iterations) [${test.flags.join(',')}]`, async () => {
      const { key, salt } = await AesGcmCipher.deriveKey(hex(test.password), {
        salt: hex(test.salt),
        iterations: test.iterationCount,
      })
      expect(key.toString('hex')).toBe(test.dk.slice(0, 64))
      expect(salt).toEqual(hex(test.salt))
    })
  }
  for (const test of seed.cases.filter((c: any) => c.kind === 'password')) {
    it(`reproduces the reference key: ${test.comment}`, async () => {
      const { key } = await AesGcmCipher.deriveKey(test.password, {
        salt: b64(test.salt_b64),
        iterations: REFERENCE_PBKDF2_ITERATIONS,
      })
      expect(Buffer.from(test.password, 'utf8').toString('hex')).toBe(test.password_utf8_hex)
      expect(key.toString('base64')).toBe(test.key_b64)
    })
  }
  it('makes a fresh 16-byte salt when none is given', async () => {
    const first = await AesGcmCipher.deriveKey('pw', { iterations: 1000 })
    const second = await AesGcmCipher.deriveKey('pw', { iterations: 1000 })
    expect(first.salt).toHaveLength(16)
    expect(first.salt.equals(second.salt)).toBe(false)
    expect(first.key.equals(second.key)).toBe(false)
  })
  it('rejects a bad iteration count [iterations: 0]', () => {
    expect(() => AesGcmCipher.deriveKey('pw', { iterations: 0 })).toThrow(
      expect.objectContaining({ code: 'ERR_FIELDSEAL_INVALID_OPTION' }),
    )
  })
})

describe('AesGcmCipher', () => {
  const key = AesGcmCipher.generateKey()
  const cipher = new AesGcmCipher(key)

  it('round-trips with and without AAD, with a fresh nonce each time', () => {
    const a = cipher.encrypt('4111 1111 1111 1111', 'ctx')
    const b = cipher.encrypt('4111 1111 1111 1111', 'ctx')
    expect(a.subarray(0, 12).equals(b.subarray(0, 12))).toBe(false)
    expect(a).toHaveLength(12 + 19 + 16)
    expect(cipher.decrypt(a, 'ctx').toString()).toBe('4111 1111 1111 1111')
    expect(cipher.decrypt(cipher.encrypt(new Uint8Array([0, 255])))).toEqual(Buffer.from([0, 255]))
  })

  it('treats an empty AAD as no AAD, as the reference did', () => {
    expect(cipher.decrypt(cipher.encrypt('x', ''), undefined).toString()).toBe('x')
  })

  it('string helpers use standard padded base64 and decode it strictly', () => {
    const encoded = cipher.encryptString('hello')
    expect(encoded).toMatch(/^[A-Za-z0-9+/]+=*$/)
    expect(cipher.decryptString(encoded)).toBe('hello')
    expect(() => cipher.decryptString(`${encoded.replace(/=+$/, '')}!`)).toThrow(
      expect.objectContaining({ code: 'ERR_FIELDSEAL_MALFORMED' }),
    )
  })

  it('rejects a short input with the generic decryption error', () => {
    expect(() => cipher.decrypt(Buffer.alloc(27))).toThrow(
      expect.objectContaining({ code: 'ERR_FIELDSEAL_DECRYPT_FAILED' }),
    )
  })

  it.each([0, 16, 24, 31, 33, 64])(
    'rejects a %i-byte key with ERR_FIELDSEAL_INVALID_KEY',
    (size) => {
      expect(() => new AesGcmCipher(Buffer.alloc(size))).toThrow(
        expect.objectContaining({ code: 'ERR_FIELDSEAL_INVALID_KEY' }),
      )
    },
  )

  it('rejects a key of the wrong type with a TypeError', () => {
    expect(() => new AesGcmCipher('k'.repeat(32) as never)).toThrow(TypeError)
  })

  it('never shows key material when logged or serialised', async () => {
    const { inspect } = await import('node:util')
    const text = inspect(cipher, { showHidden: true, depth: 5 }) + JSON.stringify({ cipher })
    expect(text).not.toContain(key.toString('hex'))
    expect(text).not.toContain(key.toString('base64'))
    expect(text).toContain('[AesGcmCipher]')
  })
})

describe('AesGcmCipher encryption limit (NIST SP 800-38D §8.3: 2^32 random-nonce encryptions)', () => {
  const code = (c: string) => expect.objectContaining({ code: c })

  it('defaults to 2^32', () => {
    expect(MAX_ENCRYPTIONS_PER_KEY).toBe(2 ** 32)
  })

  it('refuses to seal past the limit with ERR_FIELDSEAL_KEY_EXHAUSTED, and still opens [encryptionLimit: 3]', () => {
    const cipher = new AesGcmCipher(AesGcmCipher.generateKey(), { encryptionLimit: 3 })
    const sealed = [cipher.encrypt('a'), cipher.encryptString('b'), cipher.encrypt('c', 'aad')]
    expect(() => cipher.encrypt('d')).toThrow(code('ERR_FIELDSEAL_KEY_EXHAUSTED'))
    expect(() => cipher.encryptString('d')).toThrow(code('ERR_FIELDSEAL_KEY_EXHAUSTED'))
    expect(() => cipher.encrypt('d')).toThrow(code('ERR_FIELDSEAL_KEY_EXHAUSTED'))
    expect(cipher.decrypt(sealed[2] as Buffer, 'aad').toString()).toBe('c')
  })

  it('a refused encryption does not use up the budget: input errors are not counted [encryptionLimit: 1]', () => {
    const cipher = new AesGcmCipher(AesGcmCipher.generateKey(), { encryptionLimit: 1 })
    expect(() => cipher.encrypt(42 as never)).toThrow(TypeError)
    expect(cipher.decrypt(cipher.encrypt('x')).toString()).toBe('x')
    expect(() => cipher.encrypt('y')).toThrow(code('ERR_FIELDSEAL_KEY_EXHAUSTED'))
  })

  it.each([0, -1, 1.5, Number.NaN, 2 ** 32 + 1, '10', null])(
    'refuses encryptionLimit %s with ERR_FIELDSEAL_INVALID_OPTION',
    (limit) => {
      expect(
        () => new AesGcmCipher(AesGcmCipher.generateKey(), { encryptionLimit: limit as never }),
      ).toThrow(code('ERR_FIELDSEAL_INVALID_OPTION'))
    },
  )

  it('undefined, {} and Object.create(null) options are the same', () => {
    for (const options of [undefined, {}, Object.create(null), { encryptionLimit: undefined }]) {
      const cipher = new AesGcmCipher(AesGcmCipher.generateKey(), options)
      expect(cipher.decrypt(cipher.encrypt('x')).toString()).toBe('x')
    }
  })
})
