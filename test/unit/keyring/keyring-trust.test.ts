/**
 * What a keyring trusts: a store without a keyring is not a new keyring, a document changed by
 * someone without the master key is refused, a keyring written by fieldseal 0.1.0 still opens
 * and is upgraded on its next save, and a store that went back (a fork, a restored backup) does
 * not make this instance lose the keys it held.
 */
import { join } from 'node:path'
import { existsSync } from 'node:fs'
import { afterEach, describe, expect, it } from 'vitest'
import { createFieldseal } from '../../../src/core/fieldseal.js'
import { FileKeyStore } from '../../../src/keyring/stores/file-store.js'
import { openKeyManager } from '../../../src/keyring/key-manager.js'
import { openKeyring, type Keyring } from '../../../src/keyring/keyring.js'
import type { KeyringOptions } from '../../../src/keyring/keyring-options.js'
import { MemoryKeyStore } from '../../../src/keyring/stores/memory-store.js'
import type { KeyRecord, KeyringDocument, KeyStore } from '../../../src/keyring/types.js'
import { fixture } from '../../helpers/fixtures.js'
import { masterKeyBase64, tempFolder } from '../../helpers/keyring.js'

interface LegacyFixture {
  masterKey: string
  document: KeyringDocument
  values: Array<{ context: string; plaintext: string; sealed: string }>
}
const legacy = fixture<LegacyFixture>('keyring-0.1.0.json')

/** A store whose content a test can replace, as a restore or a second writer would. */
class ReplaceableStore implements KeyStore {
  inner: MemoryKeyStore
  #override: KeyringDocument | undefined
  constructor(initial?: KeyringDocument) {
    this.inner = new MemoryKeyStore(initial)
  }
  replace(doc: KeyringDocument): void {
    this.#override = structuredClone(doc)
  }
  async load() {
    return this.#override === undefined ? this.inner.load() : structuredClone(this.#override)
  }
  async save(doc: KeyringDocument, expected: number) {
    if (this.#override !== undefined) {
      this.inner = new MemoryKeyStore(this.#override)
      this.#override = undefined
    }
    await this.inner.save(doc, expected)
  }
}

let opened: Keyring[] = []
afterEach(async () => {
  for (const keyring of opened) await keyring.close()
  opened = []
})

async function open(options: Partial<KeyringOptions>): Promise<Keyring> {
  const keyring = await openKeyring({ env: {}, refreshIntervalMs: 0, ...options })
  opened.push(keyring)
  return keyring
}

const code = (c: string) => expect.objectContaining({ code: c })
const edited = (doc: KeyringDocument, edit: (doc: any) => void): KeyringDocument => {
  const copy = structuredClone(doc) as any
  edit(copy)
  return copy
}

describe('a store without a keyring is not a new keyring', () => {
  it('refuses to open an empty store unless create: true, and writes nothing', async () => {
    const masterKey = masterKeyBase64()
    const store = new MemoryKeyStore()
    await expect(open({ store, masterKey })).rejects.toMatchObject({
      code: 'ERR_FIELDSEAL_KEYRING_NOT_FOUND',
      message: expect.stringContaining('create: true'),
    })
    await expect(openKeyManager({ store, masterKey, env: {} })).rejects.toMatchObject({
      code: 'ERR_FIELDSEAL_KEYRING_NOT_FOUND',
    })
    expect(store.revision).toBe(0)
    const created = await open({ store, masterKey, create: true })
    const kid = created.encryptionKey().kid
    // create: true on an existing keyring opens it as it is.
    expect((await open({ store, masterKey, create: true })).encryptionKey().kid).toBe(kid)
  })

  it('a mistyped or relative path names the file it looked for and creates nothing', async () => {
    const masterKey = masterKeyBase64()
    const typo = join(tempFolder(), 'key', 'keyring.json')
    await expect(open({ store: typo, masterKey })).rejects.toMatchObject({
      code: 'ERR_FIELDSEAL_KEYRING_NOT_FOUND',
      message: expect.stringContaining(typo),
    })
    await expect(
      open({ store: new FileKeyStore('keys/keyring.json'), masterKey }),
    ).rejects.toMatchObject({
      code: 'ERR_FIELDSEAL_KEYRING_NOT_FOUND',
      message: expect.stringContaining('working directory'),
    })
    expect(existsSync(typo)).toBe(false)
  })
})

describe('a keyring written by fieldseal 0.1.0', () => {
  it('opens as it is: its values decrypt, the retired key is refused, nothing is written', async () => {
    const store = new MemoryKeyStore(legacy.document)
    const keyring = await open({ store, masterKey: legacy.masterKey })
    const fs = createFieldseal({ keyring })
    const [first, retired, third, current] = legacy.values
    for (const value of [first, third, current]) {
      expect(fs.decryptField(value!.sealed, { context: value!.context })).toBe(value!.plaintext)
    }
    expect(() => fs.decryptField(retired!.sealed, { context: 'ssn' })).toThrow(
      code('ERR_FIELDSEAL_KEY_UNAVAILABLE'),
    )
    await keyring.refresh()
    expect(await store.load()).toEqual(legacy.document)
  })

  it('is written back as format 3 on its next save: signed, rebound through the provider, with activeUntil', async () => {
    const store = new MemoryKeyStore(legacy.document)
    const keyring = await open({ store, masterKey: legacy.masterKey })
    await keyring.manager.rotateKey('data', { rotatedBy: 'upgrade-test' })
    const doc = (await store.load())!
    expect(doc).toMatchObject({ formatVersion: 3, revision: legacy.document.revision + 1 })
    expect(doc.master).toMatchObject({ provider: { kind: 'env' } })
    expect(doc.mac).toMatch(/^[A-Za-z0-9_-]{43}$/)
    const before = new Map(legacy.document.keys.map((r) => [r.id, r]))
    for (const record of doc.keys) {
      const old = before.get(record.id)
      if (old === undefined) continue
      if (old.wrapped !== null) expect(record.wrapped).not.toBe(old.wrapped) // rewrapped, bound
      if (old.status === 'pending_rotation') expect(record.activeUntil).toBe(old.rotatedAt)
    }
    // Another instance opens the upgraded keyring; every live era still decrypts.
    const fresh = createFieldseal({ keyring: await open({ store, masterKey: legacy.masterKey }) })
    for (const value of [legacy.values[0]!, legacy.values[2]!, legacy.values[3]!]) {
      expect(fresh.decryptField(value.sealed, { context: value.context })).toBe(value.plaintext)
    }
  })

  it('with a damaged key is refused at open, not rotated past', async () => {
    const damaged = edited(legacy.document, (doc) => {
      const [a, , b] = doc.keys as KeyRecord[]
      ;[(a as any).wrapped, (b as any).wrapped] = [b!.wrapped, a!.wrapped]
    })
    const store = new MemoryKeyStore(damaged)
    await expect(
      openKeyManager({ store, masterKey: legacy.masterKey, env: {} }),
    ).rejects.toMatchObject({
      code: 'ERR_FIELDSEAL_STORE_CORRUPT',
    })
  })
})

describe('a keyring changed without the master key', () => {
  /** A keyring (upgraded from the 0.1.0 fixture by its first save) with counts and a rotation. */
  async function signedKeyring() {
    const { masterKey } = legacy
    const store = new ReplaceableStore(legacy.document)
    const keyring = await open({ store, masterKey })
    const old = keyring.encryptionKey().kid
    const fs = createFieldseal({ keyring })
    for (let i = 0; i < 5; i++) fs.encryptField('x', { context: 'ssn' })
    await keyring.manager.rotateKey('data')
    await keyring.flush()
    return { masterKey, store, keyring, old, doc: (await store.load())! }
  }

  it.each<[string, (doc: any, old: string) => void]>([
    [
      'making a rotated-out key active again',
      (doc, old) => {
        for (const r of doc.keys)
          r.status = r.id === old ? 'active' : r.status === 'active' ? 'pending_rotation' : r.status
      },
    ],
    [
      'resetting a counter',
      (doc) => {
        for (const r of doc.keys) r.encryptions = 0
      },
    ],
    [
      'moving a retirement date',
      (doc) => {
        for (const r of doc.keys) r.activeUntil &&= '2020-01-01T00:00:00.000Z'
      },
    ],
    ['claiming a longer refresh interval', (doc) => (doc.maxRefreshIntervalMs = 3_600_000)],
    ['bumping the revision', (doc) => (doc.revision += 1)],
    ['replacing the MAC', (doc) => (doc.mac = Buffer.alloc(32, 7).toString('base64url'))],
    ['replacing the MAC key', (doc) => (doc.macKey = doc.keys[0].wrapped)],
  ])('is refused with ERR_FIELDSEAL_STORE_TAMPERED: %s', async (_label, edit) => {
    const { masterKey, store, keyring, old, doc } = await signedKeyring()
    const active = keyring.encryptionKey().kid
    store.replace(edited(doc, (d) => edit(d, old)))
    await expect(open({ store, masterKey })).rejects.toMatchObject({
      code: 'ERR_FIELDSEAL_STORE_TAMPERED',
      message: expect.stringContaining('backup'),
    })
    // A running instance refuses it too, and keeps sealing with the key it trusts.
    await expect(keyring.refresh()).rejects.toMatchObject({ code: 'ERR_FIELDSEAL_STORE_TAMPERED' })
    expect(keyring.encryptionKey().kid).toBe(active)
    await expect(keyring.manager.rotateKey('data')).rejects.toMatchObject({
      code: 'ERR_FIELDSEAL_STORE_TAMPERED',
    })
  })

  it('cannot be passed off as a 0.1.0 keyring by stripping its MAC', async () => {
    const { masterKey, store, keyring, doc } = await signedKeyring()
    const stripped = edited(doc, (d) => {
      d.formatVersion = 1
      delete d.mac
      delete d.macKey
      delete d.maxRefreshIntervalMs
      for (const r of d.keys) delete r.activeUntil
    })
    store.replace(stripped)
    await expect(open({ store, masterKey })).rejects.toMatchObject({
      code: 'ERR_FIELDSEAL_STORE_CORRUPT',
    })
    await expect(keyring.refresh()).rejects.toMatchObject({ code: 'ERR_FIELDSEAL_STORE_TAMPERED' })
  })
})

describe('a store that went back', () => {
  it('to an older revision (a restored backup): keys made since are added back', async () => {
    const { masterKey } = legacy
    const store = new ReplaceableStore(legacy.document)
    const keyring = await open({ store, masterKey })
    await keyring.manager.rotateKey('data')
    const backup = (await store.load())!
    const made = await keyring.manager.rotateKey('data')
    const sealed = createFieldseal({ keyring }).encryptField('4111', { context: 'card' })
    store.replace(backup)
    await expect(keyring.refresh()).rejects.toMatchObject({
      code: 'ERR_FIELDSEAL_STORE_CONFLICT',
      message: expect.stringContaining(made.id),
    })
    const other = createFieldseal({ keyring: await open({ store, masterKey }) })
    expect(other.decryptField(sealed, { context: 'card' })).toBe('4111')
    expect(keyring.manager.getKey(made.id).status).toBe('pending_rotation')
  })

  it('to another document at the same revision (two writers): the store wins, nothing is lost', async () => {
    const { masterKey } = legacy
    const store = new ReplaceableStore(legacy.document)
    const a = await open({ store, masterKey })
    const fork = new MemoryKeyStore((await store.load())!)
    const b = await open({ store: fork, masterKey })
    const mine = await a.manager.rotateKey('data')
    const theirs = await b.manager.rotateKey('data')
    const sealedByA = createFieldseal({ keyring: a }).encryptField('078-05-1120', {
      context: 'ssn',
    })
    store.replace((await fork.load())!)
    await expect(a.refresh()).rejects.toMatchObject({ code: 'ERR_FIELDSEAL_STORE_CONFLICT' })
    // A stops sealing with the key the store lost, and that key is back for everyone.
    expect(a.encryptionKey().kid).toBe(theirs.id)
    const reader = createFieldseal({ keyring: await open({ store, masterKey }) })
    expect(reader.decryptField(sealedByA, { context: 'ssn' })).toBe('078-05-1120')
    expect((await store.load())!.keys.find((r) => r.id === mine.id)?.status).toBe(
      'pending_rotation',
    )
  })
})
