import { inspect } from 'node:util'
import { describe, expect, it } from 'vitest'
import { AesGcmCipher } from '../../../src/crypto/aes-gcm.js'
import { createMasterKey, openMasterKey } from '../../../src/keyring/master-key.js'
import type { LegacyMasterKeyInfo } from '../../../src/keyring/types.js'
import { MemoryProvider } from '../../helpers/memory-provider.js'

const WRONG = { code: 'ERR_FIELDSEAL_WRONG_MASTER_KEY' }
const ITERATIONS = 100_000 // the minimum, to keep the suite fast
const BINDING = { keyId: 'kid-1', type: 'data' }

describe('createMasterKey / openMasterKey', () => {
  it('a raw key: identity env, a check that opens with the same key only', async () => {
    const key = AesGcmCipher.generateKey()
    const master = await createMasterKey({ key: key.toString('base64') })
    expect(master.info.provider).toEqual({ kind: 'env', fingerprint: master.id })
    const again = await openMasterKey({ key }, master.info)
    expect(again.id).toBe(master.id)
    await expect(
      openMasterKey({ key: AesGcmCipher.generateKey() }, master.info),
    ).rejects.toMatchObject(WRONG)
  })

  it('a passphrase: salt and iterations in the identity, same passphrase same key, other one refused', async () => {
    const master = await createMasterKey({ passphrase: 'correct horse', iterations: ITERATIONS })
    const identity = master.info.provider
    expect(identity).toMatchObject({ kind: 'passphrase', iterations: ITERATIONS })
    expect(Buffer.from(identity.salt as string, 'base64')).toHaveLength(16)
    const again = await openMasterKey({ passphrase: 'correct horse' }, master.info)
    expect(again.id).toBe(master.id)
    await expect(openMasterKey({ passphrase: 'correct horsE' }, master.info)).rejects.toMatchObject(
      WRONG,
    )
  })

  it('another provider than the stored one is refused, naming both, before any key is tried', async () => {
    const byPassphrase = await createMasterKey({ passphrase: 'pw', iterations: ITERATIONS })
    await expect(
      openMasterKey({ key: AesGcmCipher.generateKey() }, byPassphrase.info),
    ).rejects.toMatchObject({ ...WRONG, message: expect.stringMatching(/passphrase.*env/s) })
    const byKey = await createMasterKey({ key: AesGcmCipher.generateKey() })
    await expect(openMasterKey({ passphrase: 'pw' }, byKey.info)).rejects.toMatchObject(WRONG)
    const a = new MemoryProvider('a')
    const byProvider = await createMasterKey({ provider: a })
    const other = new MemoryProvider('b')
    await expect(openMasterKey({ provider: other }, byProvider.info)).rejects.toMatchObject({
      ...WRONG,
      message: expect.stringContaining('memory (name=a)'),
    })
    expect(other.calls).toBe(0)
    // Same identity, another key: the check tells it.
    await expect(
      openMasterKey({ provider: new MemoryProvider('a') }, byProvider.info),
    ).rejects.toMatchObject(WRONG)
    expect((await openMasterKey({ provider: a }, byProvider.info)).id).toBe(byProvider.id)
  })

  it('opens a format 1 or 2 description (a local key) and seals a format 3 one for its next save', async () => {
    const key = AesGcmCipher.generateKey()
    const cipher = new AesGcmCipher(key)
    const legacy: LegacyMasterKeyInfo = {
      source: 'env',
      salt: null,
      iterations: null,
      check: cipher
        .encrypt('fieldseal keyring master key check v1', 'fieldseal-keyring:check')
        .toString('base64url'),
    }
    const master = await openMasterKey({ key }, legacy)
    expect(master.stands(legacy)).toBe(true)
    expect(master.info.provider).toEqual({ kind: 'env', fingerprint: master.id })
    expect((await openMasterKey({ key }, master.info)).id).toBe(master.id)
    await expect(openMasterKey({ key: AesGcmCipher.generateKey() }, legacy)).rejects.toMatchObject(
      WRONG,
    )
    await expect(openMasterKey({ provider: new MemoryProvider() }, legacy)).rejects.toMatchObject(
      WRONG,
    )
  })

  it('wraps bound to their binding: another binding or a flipped bit is a damaged record', async () => {
    const master = await createMasterKey({ key: AesGcmCipher.generateKey() })
    const material = AesGcmCipher.generateKey()
    const wrapped = await master.wrap(BINDING, material)
    expect((await master.unwrap(BINDING, wrapped, 'kid-1')).equals(material)).toBe(true)
    await expect(
      master.unwrap({ ...BINDING, keyId: 'kid-2' }, wrapped, 'kid-1'),
    ).rejects.toMatchObject({
      code: 'ERR_FIELDSEAL_STORE_CORRUPT',
      kid: 'kid-1',
    })
    const bytes = Buffer.from(wrapped, 'base64url')
    bytes[20] = (bytes[20] as number) ^ 1
    await expect(
      master.unwrap(BINDING, bytes.toString('base64url'), 'kid-1'),
    ).rejects.toMatchObject({
      code: 'ERR_FIELDSEAL_STORE_CORRUPT',
      kid: 'kid-1',
    })
  })

  it('closes a provider it made, never one it was given', async () => {
    const given = new MemoryProvider()
    await (await createMasterKey({ provider: given })).close()
    await expect(given.wrap(new Uint8Array(32), BINDING)).resolves.toBeInstanceOf(Uint8Array)
    const made = await createMasterKey({ key: AesGcmCipher.generateKey() })
    await made.close()
    await expect(made.wrap(BINDING, new Uint8Array(32))).rejects.toMatchObject({
      code: 'ERR_FIELDSEAL_PROVIDER_UNAVAILABLE',
    })
  })

  it('never shows its key when logged or serialised', async () => {
    const key = AesGcmCipher.generateKey()
    const master = await createMasterKey({ key })
    for (const text of [
      inspect(master),
      JSON.stringify(master),
      inspect(master, { showHidden: true }),
      inspect(master.provider, { showHidden: true }),
    ]) {
      expect(text).not.toContain(key.toString('base64'))
      expect(text).not.toContain(key.toString('hex'))
    }
  })
})
