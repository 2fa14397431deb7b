import { inspect } from 'node:util'
import { describe, expect, it, vi } from 'vitest'
import { AesGcmCipher } from '../../../src/crypto/aes-gcm.js'
import { createFieldseal } from '../../../src/core/fieldseal.js'
import { Keyring } from '../../../src/keyring/keyring.js'
import { MemoryKeyStore } from '../../../src/keyring/stores/memory-store.js'
import type { KeyStore } from '../../../src/keyring/types.js'
import { keyFingerprint } from '../../../src/crypto/static-keys.js'
import { manualClock, masterKeyBase64, recorder } from '../../helpers/keyring.js'
import { openTestKeyring } from '../../helpers/test-keyrings.js'

const open = openTestKeyring

const code = (c: string) => expect.objectContaining({ code: c })

describe('Keyring as a KeySource', () => {
  it('is built with its session passed in, not found through a hidden property of the manager', async () => {
    const keyring = await open()
    expect(Object.getOwnPropertySymbols(keyring.manager)).toEqual([])
    expect(() => new Keyring({} as never, keyring.manager, {} as never)).toThrow(TypeError)
    await keyring.close()
  })

  it('encrypts with the active data key; active and pending keys decrypt; others are refused', async () => {
    const keyring = await open()
    const keys = keyring.manager
    const v1 = keyring.encryptionKey().kid
    const v2 = (await keys.rotateKey('data')).id
    const v3 = (await keys.rotateKey('data')).id
    await keys.deactivateKey(v2)
    expect(keyring.encryptionKey().kid).toBe(v3)
    expect(keyring.decryptionKey(v1)?.kid).toBe(v1)
    expect(() => keyring.decryptionKey(v2)).toThrow(code('ERR_FIELDSEAL_KEY_UNAVAILABLE'))
    await keys.retireKey(v1, { force: true })
    expect(() => keyring.decryptionKey(v1)).toThrow(code('ERR_FIELDSEAL_KEY_UNAVAILABLE'))
    expect(keyring.decryptionKey('unknownKid1')).toBeUndefined()
    await keys.reactivateKey(v2)
    expect(keyring.legacyKeys().map((k) => k.kid)).toEqual([v3, v2])
  })

  it('a rotated-out key decrypts but refuses to encrypt', async () => {
    const keyring = await open()
    const old = keyring.encryptionKey()
    await keyring.manager.rotateKey('data')
    const pending = keyring.decryptionKey(old.kid)!
    expect(() => pending.cipher.encrypt('x')).toThrow(code('ERR_FIELDSEAL_KEY_STATE'))
    const sealed = old.cipher.encrypt('x') // a DataKey taken before the rotation keeps working
    expect(pending.cipher.decrypt(sealed).toString()).toBe('x')
  })

  it('round-trips through createFieldseal across a rotation, with the kid in every value', async () => {
    const keyring = await open()
    const fs = createFieldseal({ keyring, fields: ['ssn'] })
    const before = fs.encryptFields({ ssn: '123-45-6789' })
    const rotated = await keyring.manager.rotateKey('data')
    const after = fs.encryptFields({ ssn: 42 })
    expect(after.ssn).toMatch(new RegExp(`^enc:v1:${rotated.id}:`))
    expect(fs.decryptFields(before)).toEqual({ ssn: '123-45-6789' })
    expect(fs.decryptFields(after)).toEqual({ ssn: 42 })
  })

  it('with init: false and an empty store, createFieldseal refuses to start (ERR_FIELDSEAL_NO_KEY)', async () => {
    const keyring = await open({ init: false })
    expect(() => createFieldseal({ keyring })).toThrow(code('ERR_FIELDSEAL_NO_KEY'))
  })

  it('never shows key material: keyring, data keys and their ciphers', async () => {
    const keyring = await open()
    const key = keyring.encryptionKey()
    const material = keyring.manager.getKeyMaterial(key.kid)
    const texts = [keyring, key, key.cipher, keyring.legacyKeys()].flatMap((value) => [
      inspect(value, { depth: 9, showHidden: true }),
      JSON.stringify(value),
    ])
    for (const text of texts) {
      expect(text).not.toContain(material.toString('hex'))
      expect(text).not.toContain(material.toString('base64'))
    }
  })

  it('rejects unknown and invalid options when opening', async () => {
    await expect(open({ refreshInterval: 5 } as never)).rejects.toMatchObject({
      code: 'ERR_FIELDSEAL_INVALID_OPTION',
      message: expect.stringContaining('refreshIntervalMs'),
    })
    await expect(open({ refreshIntervalMs: -1 })).rejects.toMatchObject({
      code: 'ERR_FIELDSEAL_INVALID_OPTION',
    })
    await expect(open({ usageWarningThreshold: 2 ** 33 })).rejects.toMatchObject({
      code: 'ERR_FIELDSEAL_INVALID_OPTION',
    })
    await expect(open({ autoRotate: 'yes' } as never)).rejects.toMatchObject({
      code: 'ERR_FIELDSEAL_INVALID_OPTION',
    })
  })
})

describe('Keyring across instances', () => {
  it('another instance picks up a rotation on refresh()', async () => {
    const store = new MemoryKeyStore()
    const masterKey = masterKeyBase64()
    const a = await open({ store, masterKey })
    const b = await open({ store, masterKey })
    const rotated = await a.manager.rotateKey('data')
    expect(b.encryptionKey().kid).not.toBe(rotated.id)
    await createFieldseal({ keyring: b }).refreshKeys()
    expect(b.encryptionKey().kid).toBe(rotated.id)
  })

  it('another instance picks up a rotation by itself with refreshIntervalMs', async () => {
    const store = new MemoryKeyStore()
    const masterKey = masterKeyBase64()
    const a = await open({ store, masterKey })
    const b = await open({ store, masterKey, refreshIntervalMs: 10 })
    const rotated = await a.manager.rotateKey('data')
    await vi.waitFor(() => expect(b.encryptionKey().kid).toBe(rotated.id), {
      timeout: 5_000,
      interval: 10,
    })
  })

  it('a value naming a key this instance has not seen yet starts a reload', async () => {
    const store = new MemoryKeyStore()
    const masterKey = masterKeyBase64()
    const a = await open({ store, masterKey })
    const b = await open({ store, masterKey })
    await a.manager.rotateKey('data')
    const sealed = createFieldseal({ keyring: a }).encryptField('4111', { context: 'card' })
    const fsB = createFieldseal({ keyring: b })
    expect(() => fsB.decryptField(sealed, { context: 'card' })).toThrow(
      code('ERR_FIELDSEAL_UNKNOWN_KEY'),
    )
    await vi.waitFor(() => expect(fsB.decryptField(sealed, { context: 'card' })).toBe('4111'), {
      timeout: 5_000,
      interval: 10,
    })
  })

  it('reports a failed background refresh to onRefreshError', async () => {
    const inner = new MemoryKeyStore()
    let broken = false
    const store: KeyStore = {
      load: async () => {
        if (broken) throw new Error('database down')
        return inner.load()
      },
      save: (doc, expected) => inner.save(doc, expected),
    }
    const errors: unknown[] = []
    await open({ store, refreshIntervalMs: 10, onRefreshError: (error) => errors.push(error) })
    broken = true
    await vi.waitFor(() => expect(errors.length).toBeGreaterThan(0), {
      timeout: 5_000,
      interval: 10,
    })
    expect(errors[0]).toMatchObject({ message: 'database down' })
  })
})

describe('Keyring background failures', () => {
  it('are process warnings with the error code by default, never with a secret', async () => {
    const inner = new MemoryKeyStore()
    let broken = false
    const store: KeyStore = {
      load: async () => {
        if (broken) throw Object.assign(new Error('connection refused'), { code: 'ECONNREFUSED' })
        return inner.load()
      },
      save: (doc, expected) => inner.save(doc, expected),
    }
    const warned = new Promise<Error>((resolve) => process.once('warning', resolve))
    await open({ store, refreshIntervalMs: 10 })
    broken = true
    const warning = await warned
    expect(warning).toMatchObject({ name: 'FieldsealWarning', code: 'ECONNREFUSED' })
    expect(warning.message).toContain('background refresh or rotation failed (ECONNREFUSED)')
  })
})

describe('Keyring encryption counter', () => {
  it('counts encryptions per key and saves them on flush and close', async () => {
    const store = new MemoryKeyStore()
    const masterKey = masterKeyBase64()
    const keyring = await open({ store, masterKey })
    const fs = createFieldseal({ keyring, fields: ['a', 'b'] })
    for (let i = 0; i < 5; i++) fs.encryptFields({ a: i, b: `x${i}` })
    const kid = keyring.encryptionKey().kid
    expect(keyring.manager.getKey(kid).encryptions).toBe(10)
    expect((await store.load())?.keys[0]?.encryptions).toBe(0)
    await keyring.flush()
    expect((await store.load())?.keys[0]?.encryptions).toBe(10)
    fs.encryptField('y')
    await keyring.close()
    expect((await store.load())?.keys[0]?.encryptions).toBe(11)
  })

  it('saves the count with a rotation, and adds (not overwrites) counts of several instances', async () => {
    const store = new MemoryKeyStore()
    const masterKey = masterKeyBase64()
    const a = await open({ store, masterKey })
    const b = await open({ store, masterKey })
    const kid = a.encryptionKey().kid
    createFieldseal({ keyring: a }).encryptField('1')
    createFieldseal({ keyring: b }).encryptField('2')
    await b.flush()
    await a.manager.rotateKey('data')
    expect((await store.load())?.keys.find((k) => k.id === kid)?.encryptions).toBe(2)
  })

  it('warns once when a key passes usageWarningThreshold', async () => {
    const { events, onEvent } = recorder()
    const keyring = await open({ onEvent, usageWarningThreshold: 3 })
    const fs = createFieldseal({ keyring })
    for (let i = 0; i < 6; i++) fs.encryptField(`v${i}`)
    const warnings = events.filter((e) => e.operation === 'key.usage-warning')
    expect(warnings).toEqual([
      {
        operation: 'key.usage-warning',
        outcome: 'warning',
        kid: keyring.encryptionKey().kid,
        keyType: 'data',
        count: 3,
        version: 1,
      },
    ])
  })

  it('rotates at the threshold with autoRotate', async () => {
    const { events, onEvent } = recorder()
    const keyring = await open({ onEvent, usageWarningThreshold: 3, autoRotate: true })
    const first = keyring.encryptionKey().kid
    const fs = createFieldseal({ keyring })
    for (let i = 0; i < 3; i++) fs.encryptField(`v${i}`)
    await vi.waitFor(() => expect(keyring.encryptionKey().kid).not.toBe(first), {
      timeout: 5_000,
      interval: 5,
    })
    expect(keyring.manager.getKey(first)).toMatchObject({
      status: 'pending_rotation',
      rotatedBy: 'fieldseal:auto-rotate',
    })
    expect(events.filter((e) => e.operation === 'key.rotate')).toHaveLength(1)
  })
})

describe('Keyring expiry', () => {
  it('an expired active key keeps working and is reported once (key.expired)', async () => {
    const clock = manualClock()
    const store = new MemoryKeyStore()
    const masterKey = masterKeyBase64()
    await (await open({ store, masterKey, now: clock.now, ttlDays: 1 })).close()
    clock.advanceDays(2)
    const { events, onEvent } = recorder()
    const keyring = await open({ store, masterKey, now: clock.now, onEvent })
    await keyring.refresh()
    expect(events.filter((e) => e.operation === 'key.expired')).toEqual([
      {
        operation: 'key.expired',
        outcome: 'warning',
        kid: keyring.encryptionKey().kid,
        keyType: 'data',
        version: 1,
      },
    ])
    expect(createFieldseal({ keyring }).encryptField('still works')).toMatch(/^enc:v1:/)
  })

  it('with autoRotate, exactly one of several instances rotates an expired key', async () => {
    const clock = manualClock()
    const store = new MemoryKeyStore()
    const masterKey = masterKeyBase64()
    await (await open({ store, masterKey, now: clock.now, ttlDays: 1 })).close()
    clock.advanceDays(2)
    const options = { store, masterKey, now: clock.now, autoRotate: true }
    const [a, b] = await Promise.all([open(options), open(options)])
    await vi.waitFor(
      async () => {
        await Promise.all([a.refresh(), b.refresh()])
        expect(a.manager.getActiveKey('data')?.version).toBe(2)
      },
      { timeout: 5_000, interval: 10 },
    )
    await a.close() // lets any pending conditional rotation finish
    await b.manager.rotateKey('data', { ifActive: 'none-such' }) // waits for b's, if any
    await b.refresh()
    const stored = (await store.load())!
    expect(stored.keys.map((k) => [k.version, k.status])).toEqual([
      [1, 'pending_rotation'],
      [2, 'active'],
    ])
    expect(b.encryptionKey().kid).toBe(stored.keys[1]?.id)
    await b.close()
  })
})

describe('Keyring import of simple-mode and reference-era keys', () => {
  it('values sealed with FIELDSEAL_KEYS keys decrypt after import; the chosen key stays active', async () => {
    const newest = AesGcmCipher.generateKey().toString('base64')
    const older = AesGcmCipher.generateKey().toString('base64')
    const simple = createFieldseal({
      env: { FIELDSEAL_KEYS: `${newest},${older}` },
      fields: ['ssn'],
    })
    const oldSimple = createFieldseal({ keys: [older], fields: ['ssn'] })
    const values = [simple.encryptFields({ ssn: 'new' }), oldSimple.encryptFields({ ssn: 'old' })]
    const keyring = await open({ init: false })
    await keyring.manager.importKeys([newest, older])
    const fs = createFieldseal({ keyring, fields: ['ssn'] })
    expect(values.map((v) => fs.decryptFields(v))).toEqual([{ ssn: 'new' }, { ssn: 'old' }])
    expect(keyring.encryptionKey().kid).toBe(keyFingerprint(Buffer.from(newest, 'base64')))
  })

  it('a reference-era value (enc:<base64>, no key id) decrypts after importing its key', async () => {
    const key = AesGcmCipher.generateKey()
    const legacy = `enc:${new AesGcmCipher(key).encrypt('123-45-6789').toString('base64')}`
    const keyring = await open()
    await keyring.manager.importKeys([key], { activate: false })
    const fs = createFieldseal({ keyring, fields: ['ssn'] })
    expect(fs.decryptFields({ ssn: legacy })).toEqual({ ssn: '123-45-6789' })
    expect(fs.reencryptFields({ ssn: legacy }).ssn).toMatch(
      new RegExp(`^enc:v1:${keyring.encryptionKey().kid}:`),
    )
  })
})
