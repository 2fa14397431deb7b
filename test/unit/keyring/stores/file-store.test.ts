import { spawnSync } from 'node:child_process'
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs'
import { hostname } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { FileKeyStore } from '../../../../src/keyring/stores/file-store.js'
import { keyringDocument, nextRevision } from '../../../fixtures/keyring-document.js'
import { tempFolder } from '../../../helpers/keyring.js'
import { describeKeyStoreContract } from '../../../helpers/store-contract.js'

const CORRUPT = { code: 'ERR_FIELDSEAL_STORE_CORRUPT' }

function storeIn(folder = tempFolder(), options = {}): FileKeyStore {
  return new FileKeyStore(join(folder, 'keys', 'keyring.json'), options)
}

function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', ''])
  return child.pid as number
}

function writeLock(store: FileKeyStore, owner: object | string, ageMs = 0): void {
  mkdirSync(join(store.path, '..'), { recursive: true })
  writeFileSync(store.lockPath, typeof owner === 'string' ? owner : JSON.stringify(owner))
  if (ageMs > 0) {
    const then = new Date(Date.now() - ageMs)
    utimesSync(store.lockPath, then, then)
  }
}

describeKeyStoreContract('FileKeyStore', {
  create: async () => storeIn(),
  holding: async (value) => {
    const store = storeIn()
    mkdirSync(join(store.path, '..'), { recursive: true })
    writeFileSync(store.path, JSON.stringify(value))
    return store
  },
  another: async (store) => new FileKeyStore(store.path),
})

describe('FileKeyStore', () => {
  it('creates the folder and the file on the first save', async () => {
    const store = storeIn()
    await store.save(keyringDocument(1), 0)
    expect(readdirSync(join(store.path, '..'))).toEqual(['keyring.json'])
  })

  it('writes the file with mode 0600, also over a looser existing file', async () => {
    const store = storeIn()
    await store.save(keyringDocument(1), 0)
    expect(statSync(store.path).mode & 0o777).toBe(0o600)
    const doc = await store.load()
    writeFileSync(store.path, JSON.stringify(doc), { mode: 0o644 })
    await store.save(nextRevision(doc!, 'next'), 1)
    expect(statSync(store.path).mode & 0o777).toBe(0o600)
  })

  it('leaves neither a temp file nor the lock file behind', async () => {
    const store = storeIn()
    await store.save(keyringDocument(1), 0)
    await expect(store.save(keyringDocument(1), 0)).rejects.toMatchObject({
      code: 'ERR_FIELDSEAL_STORE_CONFLICT',
    })
    expect(readdirSync(join(store.path, '..'))).toEqual(['keyring.json'])
  })

  it.each([
    ['garbage', 'not json at all {'],
    ['an empty file', ''],
    ['a foreign JSON file', JSON.stringify({ name: 'my-app', version: '1.0.0' })],
    ['a keyring of a newer format', JSON.stringify({ ...keyringDocument(1), formatVersion: 3 })],
  ])(
    'refuses %s with ERR_FIELDSEAL_STORE_CORRUPT and never overwrites it',
    async (_name, content) => {
      const store = storeIn()
      mkdirSync(join(store.path, '..'), { recursive: true })
      writeFileSync(store.path, content)
      await expect(store.load()).rejects.toMatchObject(CORRUPT)
      await expect(store.save(keyringDocument(1), 0)).rejects.toMatchObject(CORRUPT)
      expect(readFileSync(store.path, 'utf8')).toBe(content)
    },
  )

  it('refuses a folder in place of the file', async () => {
    const store = storeIn()
    mkdirSync(store.path, { recursive: true })
    await expect(store.load()).rejects.toMatchObject(CORRUPT)
  })

  it('waits for a live writer and gives up with ERR_FIELDSEAL_STORE_LOCKED [lockTimeoutMs: 150]', async () => {
    const store = storeIn(tempFolder(), { lockTimeoutMs: 150 })
    writeLock(store, {
      pid: process.pid,
      hostname: hostname(),
      createdAt: new Date().toISOString(),
      token: 'x',
    })
    await expect(store.save(keyringDocument(1), 0)).rejects.toMatchObject({
      code: 'ERR_FIELDSEAL_STORE_LOCKED',
    })
    expect(existsSync(store.path)).toBe(false)
    expect(existsSync(store.lockPath)).toBe(true) // someone else's lock is not removed
  })

  it('takes over a lock whose process is dead', async () => {
    const store = storeIn(tempFolder(), { lockTimeoutMs: 150 })
    writeLock(store, {
      pid: deadPid(),
      hostname: hostname(),
      createdAt: new Date().toISOString(),
      token: 'x',
    })
    await store.save(keyringDocument(1), 0)
    expect(existsSync(store.lockPath)).toBe(false)
  })

  it('takes over a lock from another host only once it is older than staleLockMs', async () => {
    const store = storeIn(tempFolder(), { lockTimeoutMs: 150, staleLockMs: 5_000 })
    const owner = { pid: 1, hostname: 'elsewhere', createdAt: new Date().toISOString(), token: 'x' }
    writeLock(store, owner)
    await expect(store.save(keyringDocument(1), 0)).rejects.toMatchObject({
      code: 'ERR_FIELDSEAL_STORE_LOCKED',
    })
    writeLock(store, owner, 60_000)
    await store.save(keyringDocument(1), 0)
  })

  it('takes over an empty lock file (its writer died before filling it) after a short while', async () => {
    const store = storeIn(tempFolder(), { lockTimeoutMs: 150 })
    writeLock(store, '')
    await expect(store.save(keyringDocument(1), 0)).rejects.toMatchObject({
      code: 'ERR_FIELDSEAL_STORE_LOCKED',
    })
    writeLock(store, '', 3_000)
    await store.save(keyringDocument(1), 0)
  })

  it('removes temp files left by a writer that died mid-save', async () => {
    const store = storeIn()
    await store.save(keyringDocument(1), 0)
    const leftover = join(store.path, '..', `.keyring.json.${deadPid()}.0123456789ab.tmp`)
    writeFileSync(leftover, '{"half":')
    await store.save(nextRevision((await store.load())!, 'next'), 1)
    expect(existsSync(leftover)).toBe(false)
  })

  it('rejects unknown options', () => {
    expect(() => new FileKeyStore('x.json', { lockTimeout: 1 } as never)).toThrow(
      expect.objectContaining({
        code: 'ERR_FIELDSEAL_INVALID_OPTION',
        message: expect.stringContaining('lockTimeoutMs'),
      }),
    )
  })
})
