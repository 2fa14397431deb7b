import { describe, expect, it, vi } from 'vitest'
import { createFieldseal } from '../../../src/core/fieldseal.js'
import { MemoryKeyStore } from '../../../src/keyring/stores/memory-store.js'
import type { KeyringDocument, KeyStore } from '../../../src/keyring/types.js'
import { masterKeyBase64, resigned } from '../../helpers/keyring.js'
import { openTestKeyring } from '../../helpers/test-keyrings.js'

const open = openTestKeyring

const exhausted = (kid: string) =>
  expect.objectContaining({ code: 'ERR_FIELDSEAL_KEY_EXHAUSTED', kid, status: 500 })

describe('Keyring encryption limit (NIST SP 800-38D §8.3)', () => {
  it('refuses to seal once the active key reached encryptionLimit; its values still open [encryptionLimit: 3]', async () => {
    const keyring = await open({ encryptionLimit: 3 })
    const fs = createFieldseal({ keyring })
    const kid = keyring.encryptionKey().kid
    const sealed = ['a', 'b', 'c'].map((v) => fs.encryptField(v, { context: 'f' }))
    expect(() => fs.encryptField('d', { context: 'f' })).toThrow(exhausted(kid))
    expect(() => fs.encryptFields({ ssn: '078-05-1120' })).toThrow(exhausted(kid))
    expect(sealed.map((v) => fs.decryptField(v, { context: 'f' }))).toEqual(['a', 'b', 'c'])
    expect(keyring.manager.getKey(kid).encryptions).toBe(3)
  })

  it('another instance refuses from the persisted count, and counts of both add up [encryptionLimit: 5]', async () => {
    const store = new MemoryKeyStore()
    const masterKey = masterKeyBase64()
    const a = await open({ store, masterKey, encryptionLimit: 5 })
    const b = await open({ store, masterKey, encryptionLimit: 5 })
    const kid = a.encryptionKey().kid
    for (let i = 0; i < 3; i++) createFieldseal({ keyring: a }).encryptField(`a${i}`)
    await a.flush()
    await b.refresh()
    const fsB = createFieldseal({ keyring: b })
    fsB.encryptField('b0')
    fsB.encryptField('b1')
    expect(() => fsB.encryptField('b2')).toThrow(exhausted(kid))
    await b.close()
    // A third instance, started afresh, reads 5 from the store and seals nothing.
    const c = await open({ store, masterKey, encryptionLimit: 5 })
    expect(() => createFieldseal({ keyring: c }).encryptField('c0')).toThrow(exhausted(kid))
  })

  it('with the default limit, a persisted count of 2^32 - 2 allows two more seals and no third', async () => {
    const store = new MemoryKeyStore()
    const masterKey = masterKeyBase64()
    await (await open({ store, masterKey })).close()
    const doc = (await store.load()) as KeyringDocument
    const nearly = await resigned(
      {
        ...doc,
        revision: doc.revision + 1,
        keys: doc.keys.map((k) => ({ ...k, encryptions: 2 ** 32 - 2 })),
      },
      masterKey,
    )
    await store.save(nearly, doc.revision)
    const keyring = await open({ store, masterKey })
    const fs = createFieldseal({ keyring })
    const kid = keyring.encryptionKey().kid
    fs.encryptField('one')
    fs.encryptField('two')
    expect(() => fs.encryptField('three')).toThrow(exhausted(kid))
    await keyring.flush()
    expect((await store.load())?.keys[0]?.encryptions).toBe(2 ** 32)
  })

  it('counts what a save in flight took: no seal slips through while the store is slow [encryptionLimit: 5]', async () => {
    const inner = new MemoryKeyStore()
    let release: (() => void) | undefined
    let slow = false
    const store: KeyStore = {
      load: () => inner.load(),
      save: async (doc, expected) => {
        if (slow) await new Promise<void>((resolve) => (release = resolve))
        return inner.save(doc, expected)
      },
    }
    const keyring = await open({ store, encryptionLimit: 5 })
    const fs = createFieldseal({ keyring })
    const kid = keyring.encryptionKey().kid
    for (let i = 0; i < 3; i++) fs.encryptField(`v${i}`)
    slow = true
    const flushing = keyring.flush()
    try {
      await vi.waitFor(() => expect(release).toBeTypeOf('function'))
      fs.encryptField('v3')
      fs.encryptField('v4')
      expect(() => fs.encryptField('v5')).toThrow(exhausted(kid))
    } finally {
      slow = false
      release?.()
      await flushing
    }
    expect(() => fs.encryptField('v6')).toThrow(exhausted(kid))
    await keyring.flush()
    expect((await inner.load())?.keys[0]?.encryptions).toBe(5)
  })

  it('with autoRotate, sealing is refused only until the rotation lands, then goes on under the new key', async () => {
    const keyring = await open({ encryptionLimit: 3, usageWarningThreshold: 3, autoRotate: true })
    const fs = createFieldseal({ keyring })
    const first = keyring.encryptionKey().kid
    const sealed = ['a', 'b', 'c'].map((v) => fs.encryptField(v))
    expect(() => fs.encryptField('d')).toThrow(exhausted(first))
    await vi.waitFor(() => expect(keyring.encryptionKey().kid).not.toBe(first), {
      timeout: 5_000,
      interval: 5,
    })
    expect(fs.encryptField('d')).toMatch(new RegExp(`^enc:v1:${keyring.encryptionKey().kid}:`))
    expect(sealed.map((v) => fs.decryptField(v))).toEqual(['a', 'b', 'c'])
    expect(keyring.manager.getKey(first)).toMatchObject({ status: 'pending_rotation' })
  })

  it('warns at half the limit by default, and refuses a threshold above the limit or a limit above 2^32', async () => {
    const events: string[] = []
    const keyring = await open({
      encryptionLimit: 4,
      onEvent: (e) => void events.push(e.operation),
    })
    const fs = createFieldseal({ keyring })
    fs.encryptField('a')
    expect(events).not.toContain('key.usage-warning')
    fs.encryptField('b')
    expect(events).toContain('key.usage-warning')
    for (const options of [
      { encryptionLimit: 2 ** 32 + 1 },
      { encryptionLimit: 0 },
      { encryptionLimit: 10, usageWarningThreshold: 11 },
    ]) {
      await expect(open(options)).rejects.toMatchObject({ code: 'ERR_FIELDSEAL_INVALID_OPTION' })
    }
  })
})
