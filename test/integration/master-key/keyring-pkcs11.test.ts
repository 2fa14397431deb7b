/**
 * A keyring whose master key is an AES key in a PKCS#11 token, end to end on SoftHSM 2: created,
 * restarted, rotated, rewrapped to a raw key and back; a wrong PIN, a missing token and a wrong
 * key are coded errors.
 */
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createFieldseal } from '../../../src/core/fieldseal.js'
import { openKeyManager } from '../../../src/keyring/key-manager.js'
import { openKeyring, type KeyringOptions } from '../../../src/keyring/index.js'
import { FileKeyStore } from '../../../src/keyring/stores/file-store.js'
import { acquireLibrary } from '../../../src/master-key/pkcs11/library.js'
import { generatePkcs11Key } from '../../../src/master-key/pkcs11/provider.js'
import { findSlot } from '../../../src/master-key/pkcs11/token.js'
import { parsePkcs11Uri } from '../../../src/master-key/pkcs11/uri.js'
import { masterKeyBase64, tempFolder } from '../../helpers/keyring.js'
import { errorText } from '../../helpers/provider-contract.js'
import { createSoftHsm, type SoftHsm } from '../../helpers/softhsm.js'

const PIN = '552211-keyring-pin'
const URI = 'pkcs11:token=keyring;object=master'
let hsm: SoftHsm

beforeAll(async () => {
  hsm = await createSoftHsm()
  hsm.initToken('keyring', PIN)
  hsm.initToken('rekeyed', PIN)
  await generatePkcs11Key({ uri: URI, modulePath: hsm.module, pin: PIN, env: {} })
  const rekeyed = 'pkcs11:token=rekeyed;object=master'
  await generatePkcs11Key({ uri: rekeyed, modulePath: hsm.module, pin: PIN, env: {} })
})

afterAll(async () => {
  await hsm?.remove()
})

/** The environment a deployment gives the keyring: module and PIN, never in the spec. */
function hsmEnv(pin = PIN): NodeJS.ProcessEnv {
  return { FIELDSEAL_PKCS11_MODULE: hsm.module, FIELDSEAL_PKCS11_PIN: pin }
}

function options(store: FileKeyStore, extra: Partial<KeyringOptions> = {}): KeyringOptions {
  return {
    store,
    masterKeyProvider: URI,
    env: hsmEnv(),
    refreshIntervalMs: 0,
    ...extra,
  }
}

/** Replaces the token key `object=master` of token `token` with a new one of the same label. */
async function replaceKey(token: string): Promise<void> {
  const library = await acquireLibrary(hsm.module)
  const { js, pkcs11 } = library
  const slot = findSlot(pkcs11, parsePkcs11Uri(`pkcs11:token=${token};object=master`))
  const session = pkcs11.C_OpenSession(slot, js.CKF_SERIAL_SESSION | js.CKF_RW_SESSION)
  try {
    pkcs11.C_Login(session, js.CKU_USER, PIN)
    pkcs11.C_FindObjectsInit(session, [{ type: js.CKA_LABEL, value: 'master' }])
    const found = pkcs11.C_FindObjects(session, 10)
    pkcs11.C_FindObjectsFinal(session)
    for (const handle of found) pkcs11.C_DestroyObject(session, handle)
    pkcs11.C_Logout(session)
  } finally {
    pkcs11.C_CloseSession(session)
    library.release()
  }
  const uri = `pkcs11:token=${token};object=master`
  await generatePkcs11Key({ uri, modulePath: hsm.module, pin: PIN, env: {} })
}

describe('a keyring under a PKCS#11 token (SoftHSM 2)', () => {
  it('survives a restart, a rotation, a rewrap to a raw key and back', async () => {
    const store = new FileKeyStore(join(tempFolder(), 'keyring.json'))
    const first = await openKeyring(options(store, { create: true }))
    const sealed = createFieldseal({ keyring: first }).encryptField('078-05-1120', {
      context: 'ssn',
    })
    expect(first.manager.masterKeySource).toBe('pkcs11')
    expect(first.manager.masterKeyProvider).toEqual({ kind: 'pkcs11', uri: URI })
    await first.close()

    const restarted = await openKeyring(options(store))
    const fs = createFieldseal({ keyring: restarted })
    expect(fs.decryptField(sealed, { context: 'ssn' })).toBe('078-05-1120')
    await restarted.manager.rotateKey('data', { rotatedBy: 'hsm-test' })
    const after = fs.encryptField('4111111111111111', { context: 'card' })
    await restarted.close()

    const rotated = await openKeyring(options(store))
    const again = createFieldseal({ keyring: rotated })
    expect(again.decryptField(sealed, { context: 'ssn' })).toBe('078-05-1120')
    expect(again.decryptField(after, { context: 'card' })).toBe('4111111111111111')
    const masterKey = masterKeyBase64()
    await rotated.manager.rewrap({ masterKey, rotatedBy: 'hsm-test' })
    await rotated.close()
    await expect(
      openKeyManager({ store, masterKeyProvider: URI, env: hsmEnv() }),
    ).rejects.toMatchObject({
      code: 'ERR_FIELDSEAL_WRONG_MASTER_KEY',
    })

    const underEnv = await openKeyring({ store, masterKey, env: hsmEnv(), refreshIntervalMs: 0 })
    expect(underEnv.manager.masterKeySource).toBe('env')
    expect(createFieldseal({ keyring: underEnv }).decryptField(after, { context: 'card' })).toBe(
      '4111111111111111',
    )
    await underEnv.manager.rewrap({ masterKeyProvider: URI })
    await underEnv.close()

    const back = await openKeyring(options(store))
    expect(createFieldseal({ keyring: back }).decryptField(sealed, { context: 'ssn' })).toBe(
      '078-05-1120',
    )
    expect((await store.load())?.master).toMatchObject({ provider: { kind: 'pkcs11', uri: URI } })
    await back.close()
  })

  it('a wrong PIN, a missing token or a wrong key is a coded error that shows no PIN', async () => {
    const store = new FileKeyStore(join(tempFolder(), 'keyring.json'))
    const rekeyed = 'pkcs11:token=rekeyed;object=master'
    await (await openKeyring(options(store, { create: true, masterKeyProvider: rekeyed }))).close()

    const wrongPin = await openKeyManager({
      store,
      masterKeyProvider: rekeyed,
      env: hsmEnv('000000-not-the-pin'),
    }).catch((e: unknown) => e)
    expect(wrongPin).toMatchObject({ code: 'ERR_FIELDSEAL_PROVIDER_DENIED' })
    expect(errorText(wrongPin)).not.toContain('000000-not-the-pin')

    await expect(
      openKeyManager({
        store,
        masterKeyProvider: 'pkcs11:token=absent;object=master',
        env: hsmEnv(),
      }),
    ).rejects.toMatchObject({ code: 'ERR_FIELDSEAL_PROVIDER_UNAVAILABLE' })

    // The same token and label over a new key: the identity matches, the check does not open.
    await replaceKey('rekeyed')
    const wrongKey = await openKeyManager({
      store,
      masterKeyProvider: rekeyed,
      env: hsmEnv(),
    }).catch((e: unknown) => e)
    expect(wrongKey).toMatchObject({ code: 'ERR_FIELDSEAL_WRONG_MASTER_KEY' })
    expect(errorText(wrongKey)).not.toContain(PIN)
  })
})
