import { inspect } from 'node:util'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { AesGcmCipher } from '../../../src/crypto/aes-gcm.js'
import { FileKeyStore } from '../../../src/keyring/stores/file-store.js'
import { openKeyManager, type KeyManager } from '../../../src/keyring/key-manager.js'
import type { KeyManagerOptions } from '../../../src/keyring/manager-options.js'
import { MemoryKeyStore } from '../../../src/keyring/stores/memory-store.js'
import type { KeyringDocument, KeyStore } from '../../../src/keyring/types.js'
import { keyFingerprint } from '../../../src/crypto/static-keys.js'
import { manualClock, masterKeyBase64, recorder, tempFolder } from '../../helpers/keyring.js'

function open(options: Partial<KeyManagerOptions> = {}): Promise<KeyManager> {
  return openKeyManager({
    store: new MemoryKeyStore(),
    masterKey: masterKeyBase64(),
    env: {},
    create: true,
    ...options,
  })
}

const code = (c: string) => expect.objectContaining({ code: c })

describe('openKeyManager', () => {
  it('rejects unknown options with a hint, and runs with no key store', async () => {
    await expect(open({ masterkey: 'x' } as never)).rejects.toMatchObject({
      code: 'ERR_FIELDSEAL_INVALID_OPTION',
      message: expect.stringContaining('Did you mean "masterKey"'),
    })
    await expect(openKeyManager({ masterKey: masterKeyBase64(), env: {} })).rejects.toMatchObject({
      code: 'ERR_FIELDSEAL_INVALID_OPTION',
    })
    await expect(open({ masterKey: undefined })).rejects.toMatchObject({
      code: 'ERR_FIELDSEAL_NO_KEY',
    })
    await expect(open({ passphrase: 'x', pbkdf2Iterations: 10 })).rejects.toMatchObject({
      code: 'ERR_FIELDSEAL_INVALID_OPTION',
    })
  })

  it('reads the master key and the store path from env', async () => {
    const path = join(tempFolder(), 'keyring.json')
    const env = { FIELDSEAL_MASTER_KEY: masterKeyBase64(), FIELDSEAL_KEYSTORE: path }
    const first = await openKeyManager({ env, create: true })
    const [created] = await first.initEncryptionKeys()
    const second = await openKeyManager({ store: new FileKeyStore(path), env })
    expect(second.getActiveKey('data')?.id).toBe(created?.id)
    expect(second.getKeyMaterial(created!.id).equals(first.getKeyMaterial(created!.id))).toBe(true)
  })

  it('refuses a wrong master key (raw or passphrase) with ERR_FIELDSEAL_WRONG_MASTER_KEY', async () => {
    const store = new MemoryKeyStore()
    await (await open({ store })).initEncryptionKeys()
    await expect(open({ store })).rejects.toMatchObject({ code: 'ERR_FIELDSEAL_WRONG_MASTER_KEY' })
    const byPassphrase = new MemoryKeyStore()
    const options = { store: byPassphrase, masterKey: undefined, pbkdf2Iterations: 100_000 }
    await (await open({ ...options, passphrase: 'right' })).initEncryptionKeys()
    await expect(open({ ...options, passphrase: 'wrong' })).rejects.toMatchObject({
      code: 'ERR_FIELDSEAL_WRONG_MASTER_KEY',
    })
    const reopened = await open({ ...options, passphrase: 'right' })
    expect(reopened.masterKeySource).toBe('passphrase')
    expect(reopened.listKeys()).toHaveLength(1)
  })
})

describe('KeyManager keys', () => {
  it('initEncryptionKeys creates the active data key once, and other types on request', async () => {
    const keys = await open()
    const [data] = await keys.initEncryptionKeys()
    expect(data).toMatchObject({ type: 'data', version: 1, status: 'active', hasMaterial: true })
    expect(await keys.initEncryptionKeys()).toEqual([])
    const more = await keys.initEncryptionKeys({ types: ['data', 'signing', 'session'] })
    expect(more.map((k) => k.type)).toEqual(['signing', 'session'])
    await expect(keys.initEncryptionKeys({ types: ['master'] })).rejects.toMatchObject({
      code: 'ERR_FIELDSEAL_INVALID_OPTION',
    })
    expect(keys.revision).toBe(2)
  })

  it('generateKey makes the first active key of a type, with a TTL of 90 days by default', async () => {
    const clock = manualClock()
    const keys = await open({ now: clock.now })
    const key = await keys.generateKey('signing')
    expect(key.createdAt).toBe('2030-01-01T00:00:00.000Z')
    expect(key.expiresAt).toBe('2030-04-01T00:00:00.000Z')
    expect((await keys.generateKey('session', { ttlDays: null })).expiresAt).toBeNull()
    expect((await keys.generateKey('data', { ttlDays: 1 })).expiresAt).toBe(
      '2030-01-02T00:00:00.000Z',
    )
    await expect(keys.generateKey('signing')).rejects.toMatchObject({
      code: 'ERR_FIELDSEAL_KEY_STATE',
    })
    await expect(keys.generateKey('master')).rejects.toMatchObject({
      code: 'ERR_FIELDSEAL_KEY_STATE',
    })
    await expect(keys.generateKey('data', { ttlDays: 0 })).rejects.toMatchObject({
      code: 'ERR_FIELDSEAL_INVALID_OPTION',
    })
  })

  it('getKey, findKey, getActiveKey and getKeyMaterial', async () => {
    const keys = await open()
    const [key] = await keys.initEncryptionKeys()
    expect(keys.getKey(key!.id)).toEqual(key)
    expect(keys.findKey('nope')).toBeUndefined()
    expect(() => keys.getKey('nope')).toThrow(code('ERR_FIELDSEAL_KEY_NOT_FOUND'))
    expect(keys.getActiveKey('data')?.id).toBe(key?.id)
    expect(keys.getActiveKey('signing')).toBeUndefined()
    const material = keys.getKeyMaterial(key!.id)
    expect(material).toHaveLength(32)
    expect(keyFingerprint(material)).toBe(key?.id) // ids are fingerprints, as in simple mode
  })

  it('rotateKey: new active version, old one pending_rotation with rotatedAt/rotatedBy', async () => {
    const clock = manualClock()
    const keys = await open({ now: clock.now })
    const [v1] = await keys.initEncryptionKeys()
    clock.advanceDays(30)
    const v2 = await keys.rotateKey('data', { rotatedBy: 'ops@example.com' })
    expect(v2).toMatchObject({
      version: 2,
      status: 'active',
      createdAt: '2030-01-31T00:00:00.000Z',
    })
    expect(keys.getKey(v1!.id)).toMatchObject({
      status: 'pending_rotation',
      rotatedAt: '2030-01-31T00:00:00.000Z',
      rotatedBy: 'ops@example.com',
    })
    expect(keys.getKeyMaterial(v1!.id)).toHaveLength(32) // a rotated-out key still decrypts
    await expect(keys.rotateKey('master')).rejects.toMatchObject({
      code: 'ERR_FIELDSEAL_KEY_STATE',
    })
  })

  it('rotateKey with ifActive rotates only if that key is still active', async () => {
    const keys = await open()
    const [v1] = await keys.initEncryptionKeys()
    const v2 = await keys.rotateKey('data', { ifActive: v1!.id })
    expect(v2.version).toBe(2)
    expect(await keys.rotateKey('data', { ifActive: v1!.id })).toEqual(keys.getKey(v2.id))
    expect(keys.listKeys({ type: 'data' })).toHaveLength(2)
  })

  it('retireKey erases the material; the active key and keys still in use are refused', async () => {
    const clock = manualClock()
    const keys = await open({ now: clock.now })
    const [v1] = await keys.initEncryptionKeys()
    await expect(keys.retireKey(v1!.id, { force: true })).rejects.toMatchObject({
      code: 'ERR_FIELDSEAL_KEY_STATE',
    })
    expect(keys.drainedAt(v1!.id)).toBeNull()
    await keys.rotateKey('data')
    // Rotated at 00:00: 3 × 60 s (the lease) + 60 s later no instance can seal with it.
    expect(keys.getKey(v1!.id).activeUntil).toBe('2030-01-01T00:00:00.000Z')
    expect(keys.drainedAt(v1!.id)).toBe('2030-01-01T00:04:00.000Z')
    const clear = () => ({ byKid: {}, startedAt: clock.now().toISOString() })
    await expect(keys.retireKey(v1!.id, { usage: clear() })).rejects.toMatchObject({
      code: 'ERR_FIELDSEAL_KEY_IN_USE',
      message: expect.stringContaining('Wait until 2030-01-01T00:04:00.000Z'),
    })
    clock.advanceDays(1)
    await expect(keys.retireKey(v1!.id)).rejects.toMatchObject({ code: 'ERR_FIELDSEAL_KEY_IN_USE' })
    await expect(
      keys.retireKey(v1!.id, { usage: { ...clear(), byKid: { [v1!.id]: 2 } } }),
    ).rejects.toMatchObject({ code: 'ERR_FIELDSEAL_KEY_IN_USE' })
    const retired = await keys.retireKey(v1!.id, { usage: clear() })
    expect(retired).toMatchObject({ status: 'retired', hasMaterial: false })
    expect(() => keys.getKeyMaterial(v1!.id)).toThrow(code('ERR_FIELDSEAL_KEY_UNAVAILABLE'))
    await expect(keys.retireKey(v1!.id, { force: true })).rejects.toMatchObject({
      code: 'ERR_FIELDSEAL_KEY_STATE',
    })
    await expect(keys.retireKey('nope', { force: true })).rejects.toMatchObject({
      code: 'ERR_FIELDSEAL_KEY_NOT_FOUND',
    })
  })

  it('the retired material is gone from the store itself', async () => {
    const store = new MemoryKeyStore()
    const keys = await open({ store })
    const [v1] = await keys.initEncryptionKeys()
    await keys.rotateKey('data')
    await keys.retireKey(v1!.id, { force: true })
    const stored = (await store.load()) as KeyringDocument
    expect(stored.keys.find((k) => k.id === v1!.id)?.wrapped).toBeNull()
  })

  it('deactivateKey switches a key off; reactivateKey switches it back on', async () => {
    const keys = await open()
    const [v1] = await keys.initEncryptionKeys()
    const v2 = await keys.rotateKey('data')
    expect((await keys.deactivateKey(v1!.id)).status).toBe('inactive')
    expect(() => keys.getKeyMaterial(v1!.id)).toThrow(code('ERR_FIELDSEAL_KEY_UNAVAILABLE'))
    expect((await keys.reactivateKey(v1!.id)).status).toBe('pending_rotation')
    await keys.deactivateKey(v2.id)
    expect(keys.getActiveKey('data')).toBeUndefined()
    expect((await keys.reactivateKey(v2.id)).status).toBe('active')
    await expect(keys.reactivateKey(v2.id)).rejects.toMatchObject({
      code: 'ERR_FIELDSEAL_KEY_STATE',
    })
  })

  it('listKeys filters by type and status, newest version first', async () => {
    const keys = await open()
    await keys.initEncryptionKeys({ types: ['data', 'signing'] })
    await keys.rotateKey('data')
    await keys.rotateKey('data')
    expect(keys.listKeys({ type: 'data' }).map((k) => k.version)).toEqual([3, 2, 1])
    expect(keys.listKeys({ status: 'pending_rotation' }).map((k) => k.version)).toEqual([2, 1])
    expect(keys.listKeys({ status: ['active'] }).map((k) => k.type)).toEqual(['data', 'signing'])
    expect(keys.listKeys()).toEqual(keys.listKeys({}))
    expect(keys.listKeys(undefined)).toEqual(keys.listKeys(Object.create(null)))
    expect(() => keys.listKeys({ typ: 'data' } as never)).toThrow(
      code('ERR_FIELDSEAL_INVALID_OPTION'),
    )
  })

  it('checkExpiringKeys lists active keys expiring within N days (7 by default), soonest first', async () => {
    const clock = manualClock()
    const keys = await open({ now: clock.now })
    await keys.generateKey('data', { ttlDays: 10 })
    await keys.generateKey('signing', { ttlDays: 5 })
    await keys.generateKey('session', { ttlDays: null })
    expect(keys.checkExpiringKeys().map((k) => k.type)).toEqual(['signing'])
    expect(keys.checkExpiringKeys(30).map((k) => k.type)).toEqual(['signing', 'data'])
    clock.advanceDays(20)
    expect(keys.checkExpiringKeys(0)).toHaveLength(2) // expired ones are included
  })
})

describe('KeyManager metadata and audit', () => {
  it('exports metadata without material; key objects never show material', async () => {
    const keys = await open()
    const [key] = await keys.initEncryptionKeys()
    const material = keys.getKeyMaterial(key!.id)
    const exported = keys.exportKeyMetadata()
    expect(exported).toMatchObject({ format: 'fieldseal-keyring-metadata', revision: 1 })
    expect(exported.master).toEqual({
      id: keys.masterKeyId,
      source: 'env',
      iterations: null,
      provider: { kind: 'env', fingerprint: keys.masterKeyId },
    })
    const texts = [
      JSON.stringify(exported),
      inspect(exported, { depth: 9 }),
      inspect(keys),
      JSON.stringify(keys),
    ]
    for (const text of texts) {
      expect(text).not.toContain(material.toString('base64'))
      expect(text).not.toContain(material.toString('base64url'))
      expect(text).not.toContain(material.toString('hex'))
      expect(text).not.toContain('wrapped')
    }
  })

  it('reports every key operation with kid, type, version and actor, and failures with a code', async () => {
    const { events, onEvent } = recorder()
    const keys = await open({ onEvent, actor: 'deploy-bot' })
    const [v1] = await keys.initEncryptionKeys()
    const v2 = await keys.rotateKey('data', { rotatedBy: 'alice' })
    await keys.deactivateKey(v1!.id, { actor: 'bob' })
    await keys.reactivateKey(v1!.id)
    await expect(keys.retireKey(v2.id)).rejects.toThrow()
    await keys.retireKey(v1!.id, { force: true, actor: 'carol' })
    expect(events).toEqual([
      {
        operation: 'key.generate',
        outcome: 'success',
        kid: v1!.id,
        keyType: 'data',
        version: 1,
        actor: 'deploy-bot',
      },
      {
        operation: 'key.rotate',
        outcome: 'success',
        kid: v2.id,
        keyType: 'data',
        version: 2,
        actor: 'alice',
      },
      {
        operation: 'key.deactivate',
        outcome: 'success',
        kid: v1!.id,
        keyType: 'data',
        version: 1,
        actor: 'bob',
      },
      {
        operation: 'key.reactivate',
        outcome: 'success',
        kid: v1!.id,
        keyType: 'data',
        version: 1,
        actor: 'deploy-bot',
      },
      {
        operation: 'key.retire',
        outcome: 'failure',
        kid: v2.id,
        code: 'ERR_FIELDSEAL_KEY_STATE',
        actor: 'deploy-bot',
      },
      {
        operation: 'key.retire',
        outcome: 'success',
        kid: v1!.id,
        keyType: 'data',
        version: 1,
        actor: 'carol',
      },
    ])
  })

  it('refuses changes once closed', async () => {
    const keys = await open()
    await keys.close()
    await expect(keys.initEncryptionKeys()).rejects.toMatchObject({
      code: 'ERR_FIELDSEAL_KEY_STATE',
    })
  })
})

describe('KeyManager import and rewrap', () => {
  it('imports FIELDSEAL_KEYS-style keys with their fingerprint ids; the first becomes active', async () => {
    const { events, onEvent } = recorder()
    const keys = await open({ onEvent })
    const [existing] = await keys.initEncryptionKeys()
    const newest = AesGcmCipher.generateKey()
    const older = AesGcmCipher.generateKey()
    const added = await keys.importKeys([newest.toString('base64'), older])
    expect(added.map((k) => k.id)).toEqual([keyFingerprint(older), keyFingerprint(newest)])
    expect(keys.getActiveKey('data')?.id).toBe(keyFingerprint(newest))
    expect(keys.getKey(keyFingerprint(older)).status).toBe('pending_rotation')
    expect(keys.getKey(existing!.id).status).toBe('pending_rotation')
    expect(keys.getKeyMaterial(keyFingerprint(older)).equals(older)).toBe(true)
    expect(await keys.importKeys([newest, older])).toEqual([]) // idempotent
    expect(events.filter((e) => e.operation === 'key.import')).toHaveLength(2)
  })

  it('imports with activate: false (all decrypt only) and refuses a bad activate or a retired key', async () => {
    const keys = await open()
    const [existing] = await keys.initEncryptionKeys()
    const key = AesGcmCipher.generateKey()
    await expect(keys.importKeys([key], { activate: 'someone-else' })).rejects.toMatchObject({
      code: 'ERR_FIELDSEAL_INVALID_OPTION',
    })
    await keys.importKeys([key], { activate: false })
    expect(keys.getActiveKey('data')?.id).toBe(existing?.id)
    await keys.retireKey(keyFingerprint(key), { force: true })
    await expect(keys.importKeys([key])).rejects.toMatchObject({ code: 'ERR_FIELDSEAL_KEY_STATE' })
    await expect(keys.importKeys(['not base64!'])).rejects.toMatchObject({
      code: 'ERR_FIELDSEAL_INVALID_KEY',
    })
  })

  it('rewrap moves every key under a new master key; the old one no longer opens the keyring', async () => {
    const store = new MemoryKeyStore()
    const oldMaster = masterKeyBase64()
    const { events, onEvent } = recorder()
    const keys = await open({ store, masterKey: oldMaster, onEvent })
    const [v1] = await keys.initEncryptionKeys()
    await keys.rotateKey('data')
    await keys.retireKey(v1!.id, { force: true })
    const v2 = keys.getActiveKey('data')!
    const material = keys.getKeyMaterial(v2.id)
    const newMaster = masterKeyBase64()
    await keys.rewrap({ masterKey: newMaster, rotatedBy: 'security' })
    expect(keys.getKeyMaterial(v2.id).equals(material)).toBe(true)
    await expect(open({ store, masterKey: oldMaster })).rejects.toMatchObject({
      code: 'ERR_FIELDSEAL_WRONG_MASTER_KEY',
    })
    const reopened = await open({ store, masterKey: newMaster })
    expect(reopened.getKeyMaterial(v2.id).equals(material)).toBe(true)
    expect(reopened.masterKeyId).toBe(keys.masterKeyId)
    // count = keys rewrapped: v2 only, the retired v1 has no material
    expect(events.at(-1)).toMatchObject({
      operation: 'key.rewrap',
      keyType: 'master',
      count: 1,
      actor: 'security',
    })
    await reopened.rewrap({ passphrase: 'from now on', pbkdf2Iterations: 100_000 })
    const byPassphrase = await open({ store, masterKey: undefined, passphrase: 'from now on' })
    expect(byPassphrase.getKeyMaterial(v2.id).equals(material)).toBe(true)
    await expect(byPassphrase.rewrap({})).rejects.toMatchObject({
      code: 'ERR_FIELDSEAL_INVALID_OPTION',
    })
  })
})

describe('KeyManager concurrency', () => {
  it('a change made on a stale view is recomputed on the fresh document (no key lost)', async () => {
    const store = new MemoryKeyStore()
    const masterKey = masterKeyBase64()
    const a = await open({ store, masterKey })
    await a.initEncryptionKeys()
    const b = await open({ store, masterKey })
    await a.rotateKey('data', { rotatedBy: 'a' })
    await b.rotateKey('data', { rotatedBy: 'b' }) // b still shows revision 1
    await Promise.all([a.rotateKey('data'), b.rotateKey('data'), a.rotateKey('data')])
    await a.refresh()
    const data = a.listKeys({ type: 'data' })
    expect(data.map((k) => k.version)).toEqual([6, 5, 4, 3, 2, 1])
    expect(data.filter((k) => k.status === 'active')).toHaveLength(1)
  })

  it('gives up with ERR_FIELDSEAL_STORE_CONFLICT after maxRetries', async () => {
    const inner = new MemoryKeyStore()
    const store: KeyStore = {
      load: () => inner.load(),
      save: async () => {
        const { FieldsealError } = await import('../../../src/errors.js')
        throw new FieldsealError('ERR_FIELDSEAL_STORE_CONFLICT', 'always')
      },
    }
    const keys = await open({ store, maxRetries: 2 })
    await expect(keys.initEncryptionKeys()).rejects.toMatchObject({
      code: 'ERR_FIELDSEAL_STORE_CONFLICT',
      message: expect.stringContaining('3 attempts'),
    })
  })

  it('refuses to start a new keyring over one that vanished from the store', async () => {
    const inner = new MemoryKeyStore()
    let gone = false
    const store: KeyStore = {
      load: async () => (gone ? undefined : inner.load()),
      save: (doc, expected) => inner.save(doc, expected),
    }
    const keys = await open({ store })
    await keys.initEncryptionKeys()
    gone = true
    await expect(keys.rotateKey('data')).rejects.toMatchObject({
      code: 'ERR_FIELDSEAL_STORE_CORRUPT',
    })
    await expect(keys.refresh()).rejects.toMatchObject({ code: 'ERR_FIELDSEAL_STORE_CORRUPT' })
  })
})
