import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { createFieldseal, type Fieldseal } from '../../src/core/fieldseal.js'
import { FileKeyStore } from '../../src/keyring/stores/file-store.js'
import { openKeyring } from '../../src/keyring/keyring.js'
import type { KeyringDocument } from '../../src/keyring/types.js'
import { manualClock, masterKeyBase64, recorder, tempFolder } from '../helpers/keyring.js'

const FIELDS = ['ssn', 'cards[*].number', 'profile.taxId']

interface Customer {
  id: number
  ssn: unknown
  cards: Array<{ number: unknown; brand: string }>
  profile: { taxId: unknown; name: string }
}

function customer(id: number): Customer {
  return {
    id,
    ssn: `123-45-${String(id).padStart(4, '0')}`,
    cards: [{ number: `4111 1111 1111 ${String(id).padStart(4, '0')}`, brand: 'visa' }],
    profile: { taxId: id * 1000 + 7, name: `Customer ${id}` },
  }
}

const clock = manualClock(new Date().toISOString())

/** Values per key id over stored documents, read now: the usage report a retirement needs. */
function usageOf(rows: readonly unknown[]): { byKid: Record<string, number>; startedAt: string } {
  const byKid: Record<string, number> = {}
  for (const match of JSON.stringify(rows).matchAll(/"enc:v1:([A-Za-z0-9_-]+):/g)) {
    const kid = match[1] as string
    byKid[kid] = (byKid[kid] ?? 0) + 1
  }
  return { byKid, startedAt: clock.now().toISOString() }
}

describe('keyring round trip across three rotations (FileKeyStore)', () => {
  it('values of every era decrypt; after re-encryption and retirement everything still does', async () => {
    const path = join(tempFolder(), 'keyring.json')
    const masterKey = masterKeyBase64()
    const { events, onEvent } = recorder()
    const keyring = await openKeyring({
      store: new FileKeyStore(path),
      masterKey,
      env: {},
      create: true,
      onEvent,
      now: clock.now,
    })
    const fs: Fieldseal = createFieldseal({ keyring, fields: FIELDS })

    // Four eras: the initial key and three rotations, each sealing its own customers.
    const stored: Customer[] = []
    const eraKids: string[] = []
    for (let era = 0; era < 4; era++) {
      if (era > 0) await keyring.manager.rotateKey('data', { rotatedBy: `ops-${era}` })
      eraKids.push(keyring.encryptionKey().kid)
      for (let i = 0; i < 5; i++) stored.push(fs.encryptFields(customer(era * 10 + i)))
    }
    expect(new Set(eraKids).size).toBe(4)
    expect(usageOf(stored).byKid).toEqual(Object.fromEntries(eraKids.map((kid) => [kid, 15])))

    // A second instance, opened from the file alone, reads every era.
    const reader = await openKeyring({
      store: new FileKeyStore(path),
      masterKey,
      env: {},
      refreshIntervalMs: 0,
    })
    const readerFs = createFieldseal({ keyring: reader, fields: FIELDS })
    for (const row of stored) expect(readerFs.decryptFields(row)).toEqual(customer(row.id))
    for (const row of stored) expect(fs.decryptFields(row)).toEqual(customer(row.id))

    // Once no instance can still seal with the old keys (a day later), re-encrypt everything to
    // the active key; the old keys are then unused.
    clock.advanceDays(1)
    await keyring.refresh()
    const moved = stored.map((row) => fs.reencryptFields(row))
    const usage = usageOf(moved)
    expect(usage.byKid).toEqual({ [eraKids[3] as string]: 60 })
    for (const kid of eraKids.slice(0, 3)) {
      await expect(
        keyring.manager.retireKey(kid, { usage: usageOf(stored) }),
      ).rejects.toMatchObject({
        code: 'ERR_FIELDSEAL_KEY_IN_USE',
      })
      await keyring.manager.retireKey(kid, { usage, actor: 'ops' })
    }

    // Everything re-encrypted decrypts, here and in the other instance after a refresh…
    await reader.refresh()
    for (const row of moved) expect(fs.decryptFields(row)).toEqual(customer(row.id))
    for (const row of moved) expect(readerFs.decryptFields(row)).toEqual(customer(row.id))
    // …the old keys' material is gone from the file and from memory…
    const doc = JSON.parse(readFileSync(path, 'utf8')) as KeyringDocument
    for (const kid of eraKids.slice(0, 3)) {
      expect(doc.keys.find((k) => k.id === kid)).toMatchObject({ status: 'retired', wrapped: null })
      expect(() => keyring.manager.getKeyMaterial(kid)).toThrow(
        expect.objectContaining({ code: 'ERR_FIELDSEAL_KEY_UNAVAILABLE' }),
      )
    }
    // …and a value still sealed with an old key is refused with a clear code, not misread.
    expect(() => readerFs.decryptFields(stored[0])).toThrow(
      expect.objectContaining({ code: 'ERR_FIELDSEAL_KEY_UNAVAILABLE', path: 'ssn' }),
    )
    const operations = events.filter((e) => e.operation.startsWith('key.')).map((e) => e.operation)
    expect(operations).toEqual([
      'key.generate',
      'key.rotate',
      'key.rotate',
      'key.rotate',
      ...Array(3).fill(['key.retire', 'key.retire']).flat(),
    ])
    await reader.close()
    await keyring.close()
  })
})
