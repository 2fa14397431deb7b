import { describe, expect, it } from 'vitest'
import { AesGcmCipher } from '../../../src/crypto/aes-gcm.js'
import { keyFingerprint } from '../../../src/crypto/static-keys.js'
import {
  importRecords,
  mintRecord,
  recordAad,
  recordBinding,
  rewrapRecords,
  unwrapRecord,
} from '../../../src/keyring/key-material.js'
import { createMasterKey } from '../../../src/keyring/master-key.js'
import { testWrapper } from '../../helpers/keyring.js'
import { MemoryProvider } from '../../helpers/memory-provider.js'

const context = { now: new Date('2030-01-01T00:00:00.000Z'), ttlDays: 90 }

describe('key minting', () => {
  it('mints a fingerprint-named key with the next version, wrapped by the master key', async () => {
    const master = await createMasterKey({ key: AesGcmCipher.generateKey() })
    const keys = testWrapper(master)
    const first = await mintRecord([], keys, 'data', context)
    const second = await mintRecord([first], keys, 'data', context)
    expect(second.version).toBe(2)
    expect(keyFingerprint(await unwrapRecord(master, second, 3))).toBe(second.id)
    expect(keyFingerprint(keys.material(second))).toBe(second.id)
    expect(first).toMatchObject({
      status: 'active',
      expiresAt: '2030-04-01T00:00:00.000Z',
      encryptions: 0,
    })
  })

  it('binds each wrapping to the record: another version, type, id or expiry does not open it', async () => {
    const provider = new MemoryProvider()
    const master = await createMasterKey({ provider })
    const record = await mintRecord([], testWrapper(master), 'data', context)
    const CORRUPT = { code: 'ERR_FIELDSEAL_STORE_CORRUPT' }
    for (const moved of [
      { ...record, version: 2 },
      { ...record, type: 'signing' as const },
      { ...record, expiresAt: null },
      { ...record, createdAt: '2031-01-01T00:00:00.000Z' },
      { ...record, id: 'another-kid' },
    ]) {
      await expect(unwrapRecord(master, moved, 3)).rejects.toMatchObject(CORRUPT)
    }
    // Mutable fields are not bound (the document MAC covers them).
    const retired = { ...record, status: 'retired' as const, encryptions: 9 }
    expect(await unwrapRecord(master, retired, 3)).toHaveLength(32)
    expect(recordBinding(record)).toEqual({
      format: 'fieldseal-keyring/3',
      keyId: record.id,
      type: 'data',
      version: '1',
      algorithm: 'aes-256-gcm',
      createdAt: '2030-01-01T00:00:00.000Z',
      expiresAt: '2030-04-01T00:00:00.000Z',
    })
    // A key that never expires is bound to that too.
    expect(recordBinding({ ...record, expiresAt: null }).expiresAt).toBe('never')
  })

  it('opens format 2 wrappings (the record AAD) and format 1 ones (the key id) with a local key', async () => {
    const key = AesGcmCipher.generateKey()
    const master = await createMasterKey({ key })
    const cipher = new AesGcmCipher(key)
    const material = AesGcmCipher.generateKey()
    const record = await mintRecord([], testWrapper(master), 'data', context)
    const v2 = {
      ...record,
      wrapped: cipher.encrypt(material, recordAad(record)).toString('base64url'),
    }
    const v1 = { ...record, wrapped: cipher.encrypt(material, record.id).toString('base64url') }
    expect((await unwrapRecord(master, v2, 2)).equals(material)).toBe(true)
    expect((await unwrapRecord(master, v1, 1)).equals(material)).toBe(true)
    await expect(unwrapRecord(master, v2, 1)).rejects.toMatchObject({
      code: 'ERR_FIELDSEAL_STORE_CORRUPT',
      kid: record.id,
    })
    expect(recordAad(record).toString()).toBe(
      `fieldseal-keyring/2 key ${JSON.stringify([record.id, 'data', 1, 'aes-256-gcm', '2030-01-01T00:00:00.000Z', '2030-04-01T00:00:00.000Z'])}`,
    )
  })

  it('imports keys newest first: versions oldest first, the chosen one active, the old active demoted', async () => {
    const keys = testWrapper(await createMasterKey({ key: AesGcmCipher.generateKey() }))
    const current = await mintRecord([], keys, 'data', context)
    const [newest, older] = [AesGcmCipher.generateKey(), AesGcmCipher.generateKey()]
    const { records, added } = await importRecords(
      [current],
      keys,
      [newest, older],
      keyFingerprint(newest),
      context,
      'ops',
    )
    expect(added.map((r) => [r.id, r.version, r.status])).toEqual([
      [keyFingerprint(older), 2, 'pending_rotation'],
      [keyFingerprint(newest), 3, 'active'],
    ])
    expect(records[0]).toMatchObject({ status: 'pending_rotation', rotatedBy: 'ops' })
  })

  it('rewraps every record that has material to another provider, and leaves retired ones as they are', async () => {
    const from = testWrapper(await createMasterKey({ key: AesGcmCipher.generateKey() }))
    const toMaster = await createMasterKey({ provider: new MemoryProvider() })
    const live = await mintRecord([], from, 'data', context)
    const retired = {
      ...(await mintRecord([live], from, 'signing', context)),
      status: 'retired' as const,
      wrapped: null,
    }
    const [rewrapped, untouched] = await rewrapRecords([live, retired], from, testWrapper(toMaster))
    expect((await unwrapRecord(toMaster, rewrapped!, 3)).equals(from.material(live))).toBe(true)
    expect(untouched).toBe(retired)
  })
})
