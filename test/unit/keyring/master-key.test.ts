import { inspect } from 'node:util'
import { describe, expect, it } from 'vitest'
import { AesGcmCipher } from '../../../src/crypto/aes-gcm.js'
import { createMasterKey, openMasterKey } from '../../../src/keyring/master-key.js'

const WRONG = { code: 'ERR_FIELDSEAL_WRONG_MASTER_KEY' }
const ITERATIONS = 100_000 // the minimum, to keep the suite fast

describe('createMasterKey / openMasterKey', () => {
  it('a raw key: no salt, a check that opens with the same key only', async () => {
    const key = AesGcmCipher.generateKey()
    const master = await createMasterKey({ key: key.toString('base64') })
    expect(master.info).toMatchObject({ source: 'env', salt: null, iterations: null })
    expect(master.opens(master.info.check)).toBe(true)
    const again = await openMasterKey({ key }, master.info)
    expect(again.id).toBe(master.id)
    await expect(
      openMasterKey({ key: AesGcmCipher.generateKey() }, master.info),
    ).rejects.toMatchObject(WRONG)
  })

  it('a passphrase: salt and iterations stored, same passphrase same key, other one refused', async () => {
    const master = await createMasterKey({ passphrase: 'correct horse', iterations: ITERATIONS })
    expect(master.info.source).toBe('passphrase')
    expect(master.info.iterations).toBe(ITERATIONS)
    expect(Buffer.from(master.info.salt as string, 'base64')).toHaveLength(16)
    const again = await openMasterKey({ passphrase: 'correct horse' }, master.info)
    expect(again.id).toBe(master.id)
    await expect(openMasterKey({ passphrase: 'correct horsE' }, master.info)).rejects.toMatchObject(
      WRONG,
    )
  })

  it('a raw key for a passphrase keyring (and the reverse) is a wrong master key', async () => {
    const byPassphrase = await createMasterKey({ passphrase: 'pw', iterations: ITERATIONS })
    await expect(
      openMasterKey({ key: AesGcmCipher.generateKey() }, byPassphrase.info),
    ).rejects.toMatchObject(WRONG)
    const byKey = await createMasterKey({ key: AesGcmCipher.generateKey() })
    await expect(openMasterKey({ passphrase: 'pw' }, byKey.info)).rejects.toMatchObject(WRONG)
  })

  it('wraps bound to its associated data: other data or a flipped bit does not unwrap', async () => {
    const master = await createMasterKey({ key: AesGcmCipher.generateKey() })
    const material = AesGcmCipher.generateKey()
    const wrapped = master.wrap('kid-1', material)
    expect(master.unwrap('kid-1', wrapped, 'kid-1').equals(material)).toBe(true)
    expect(() => master.unwrap('kid-2', wrapped, 'kid-1')).toThrow(
      expect.objectContaining({ code: 'ERR_FIELDSEAL_STORE_CORRUPT' }),
    )
    const bytes = Buffer.from(wrapped, 'base64url')
    bytes[20] = (bytes[20] as number) ^ 1
    expect(() => master.unwrap('kid-1', bytes.toString('base64url'), 'kid-1')).toThrow(
      expect.objectContaining({ code: 'ERR_FIELDSEAL_STORE_CORRUPT', kid: 'kid-1' }),
    )
  })

  it('never shows its key when logged or serialised', async () => {
    const key = AesGcmCipher.generateKey()
    const master = await createMasterKey({ key })
    for (const text of [
      inspect(master),
      JSON.stringify(master),
      inspect(master, { showHidden: true }),
    ]) {
      expect(text).not.toContain(key.toString('base64'))
      expect(text).not.toContain(key.toString('hex'))
    }
  })
})
