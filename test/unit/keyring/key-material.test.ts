import { describe, expect, it } from 'vitest'
import { AesGcmCipher } from '../../../src/crypto/aes-gcm.js'
import { importRecords, mintRecord, rewrapRecords } from '../../../src/keyring/key-material.js'
import { createMasterKey } from '../../../src/keyring/master-key.js'
import { recordAad, unwrapRecord } from '../../../src/keyring/key-material.js'
import { keyFingerprint } from '../../../src/crypto/static-keys.js'

const context = { now: new Date('2030-01-01T00:00:00.000Z'), ttlDays: 90 }

describe('key minting', () => {
  it('mints a fingerprint-named key with the next version, wrapped under the master key', async () => {
    const master = await createMasterKey({ key: AesGcmCipher.generateKey() })
    const first = mintRecord([], master, 'data', context)
    const second = mintRecord([first], master, 'data', context)
    expect(second.version).toBe(2)
    expect(keyFingerprint(unwrapRecord(master, second, 2))).toBe(second.id)
    expect(first).toMatchObject({
      status: 'active',
      expiresAt: '2030-04-01T00:00:00.000Z',
      encryptions: 0,
    })
  })

  it('binds each wrapping to the record: another version, type, id or expiry does not open it', async () => {
    const master = await createMasterKey({ key: AesGcmCipher.generateKey() })
    const record = mintRecord([], master, 'data', context)
    const CORRUPT = expect.objectContaining({ code: 'ERR_FIELDSEAL_STORE_CORRUPT', kid: record.id })
    for (const moved of [
      { ...record, version: 2 },
      { ...record, type: 'signing' as const },
      { ...record, expiresAt: null },
      { ...record, createdAt: '2031-01-01T00:00:00.000Z' },
      { ...record, id: 'another-kid' },
    ]) {
      expect(() => unwrapRecord(master, moved, 2)).toThrow(
        expect.objectContaining({ code: 'ERR_FIELDSEAL_STORE_CORRUPT' }),
      )
    }
    // Format 1 bound the key id alone; a format 2 wrapping does not open that way.
    expect(() => unwrapRecord(master, record, 1)).toThrow(CORRUPT)
    // Mutable fields are not bound (the document MAC covers them).
    expect(unwrapRecord(master, { ...record, status: 'retired', encryptions: 9 }, 2)).toHaveLength(
      32,
    )
    expect(recordAad(record).toString()).toBe(
      `fieldseal-keyring/2 key ${JSON.stringify([record.id, 'data', 1, 'aes-256-gcm', '2030-01-01T00:00:00.000Z', '2030-04-01T00:00:00.000Z'])}`,
    )
  })

  it('imports keys newest first: versions oldest first, the chosen one active, the old active demoted', async () => {
    const master = await createMasterKey({ key: AesGcmCipher.generateKey() })
    const current = mintRecord([], master, 'data', context)
    const [newest, older] = [AesGcmCipher.generateKey(), AesGcmCipher.generateKey()]
    const { records, added } = importRecords(
      [current],
      master,
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

  it('rewraps every record that has material, and leaves retired ones as they are', async () => {
    const from = await createMasterKey({ key: AesGcmCipher.generateKey() })
    const to = await createMasterKey({ key: AesGcmCipher.generateKey() })
    const live = mintRecord([], from, 'data', context)
    const retired = {
      ...mintRecord([live], from, 'signing', context),
      status: 'retired' as const,
      wrapped: null,
    }
    const [rewrapped, untouched] = rewrapRecords([live, retired], from, to)
    expect(unwrapRecord(to, rewrapped!, 2).equals(unwrapRecord(from, live, 2))).toBe(true)
    expect(untouched).toBe(retired)
  })
})
