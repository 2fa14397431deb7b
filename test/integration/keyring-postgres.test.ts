import { randomBytes } from 'node:crypto'
import type pg from 'pg'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { createFieldseal, type Fieldseal } from '../../src/core/fieldseal.js'
import { keyUsage } from '../../src/migrate/key-usage.js'
import { openKeyring, type Keyring } from '../../src/keyring/keyring.js'
import { PostgresKeyStore } from '../../src/keyring/stores/postgres-store.js'
import { reencryptRecords } from '../../src/migrate/reencrypt-batch.js'
import { backdateRotations } from '../helpers/keyring.js'
import { dropTables, openPool, uniqueTable } from './pg-helpers.js'

const masterKey = randomBytes(32).toString('base64')
let pools: pg.Pool[] = []
const tables = new Set<string>()
let open: Keyring[] = []

/** One application instance: its own pool, store and keyring on the shared table. */
async function instance(
  table: string,
  options: { create?: boolean } = { create: true },
): Promise<{ keyring: Keyring; fs: Fieldseal; store: PostgresKeyStore }> {
  const pool = await openPool(4)
  pools.push(pool)
  const store = new PostgresKeyStore(pool, { table })
  const keyring = await openKeyring({ store, masterKey, env: {}, refreshIntervalMs: 0, ...options })
  open.push(keyring)
  return { keyring, fs: createFieldseal({ keyring, fields: ['ssn', 'card'] }), store }
}

function sharedTable(): string {
  const table = uniqueTable('fs_keyring')
  tables.add(table)
  return table
}

function dataKeys(keyring: Keyring) {
  return keyring.manager.listKeys({ type: 'data' })
}

beforeAll(async () => {
  pools.push(await openPool(2))
})

afterEach(async () => {
  for (const keyring of open) await keyring.close()
  open = []
})

afterAll(async () => {
  const [admin] = pools
  if (admin !== undefined) await dropTables(admin, tables)
  for (const pool of pools) await pool.end()
  pools = []
})

describe('keyring on PostgreSQL, shared by two instances', () => {
  it('two instances starting on an empty table agree on one active data key', async () => {
    const table = sharedTable()
    const [a, b] = await Promise.all([instance(table), instance(table)])
    await Promise.all([a.keyring.refresh(), b.keyring.refresh()])
    const activeA = a.keyring.manager.getActiveKey('data')
    expect(activeA).toBeDefined()
    expect(b.keyring.manager.getActiveKey('data')?.id).toBe(activeA?.id)
    expect(dataKeys(a.keyring)).toHaveLength(1)
  })

  it('a rotation by one instance is seen by the other after refresh(); old values decrypt on both', async () => {
    const table = sharedTable()
    const a = await instance(table)
    const b = await instance(table)
    const before = a.fs.encryptFields({ ssn: '123-45-6789', card: '4111 1111 1111 1111' })
    const oldKid = a.keyring.encryptionKey().kid
    expect(b.keyring.encryptionKey().kid).toBe(oldKid)

    const rotated = await a.keyring.manager.rotateKey('data', { rotatedBy: 'ops@example.com' })
    await a.keyring.refresh()
    expect(a.keyring.encryptionKey().kid).toBe(rotated.id)
    // Not yet seen by b: it still encrypts with the old key until it reloads.
    expect(b.keyring.encryptionKey().kid).toBe(oldKid)
    await b.keyring.refresh()
    expect(b.keyring.encryptionKey().kid).toBe(rotated.id)
    expect(b.keyring.manager.getKey(oldKid)).toMatchObject({
      status: 'pending_rotation',
      rotatedBy: 'ops@example.com',
    })

    const after = b.fs.encryptFields({ ssn: '987-65-4321' })
    for (const fs of [a.fs, b.fs]) {
      expect(fs.decryptFields(before)).toEqual({ ssn: '123-45-6789', card: '4111 1111 1111 1111' })
      expect(fs.decryptFields(after)).toEqual({ ssn: '987-65-4321' })
    }
  })

  it('two instances rotating at once end with exactly one active data key and every key kept', async () => {
    const table = sharedTable()
    const a = await instance(table)
    const b = await instance(table)
    const eras: Array<{ sealed: Record<string, unknown>; plain: Record<string, unknown> }> = []
    const seen = new Set<string>([a.keyring.encryptionKey().kid])
    for (let round = 0; round < 5; round++) {
      const plain = { ssn: `ssn-${round}`, card: `card-${round}` }
      eras.push({ sealed: (round % 2 ? b : a).fs.encryptFields(plain), plain })
      const rotations = await Promise.all([
        a.keyring.manager.rotateKey('data', { rotatedBy: 'a' }),
        b.keyring.manager.rotateKey('data', { rotatedBy: 'b' }),
      ])
      for (const key of rotations) seen.add(key.id)
      await Promise.all([a.keyring.refresh(), b.keyring.refresh()])
    }

    const stored = (await a.store.load())!
    const data = stored.keys.filter((key) => key.type === 'data')
    expect(data.filter((key) => key.status === 'active')).toHaveLength(1)
    expect(new Set(data.map((key) => key.id))).toEqual(seen)
    expect(data).toHaveLength(11)
    expect(data.every((key) => key.wrapped !== null)).toBe(true)
    expect(a.keyring.encryptionKey().kid).toBe(b.keyring.encryptionKey().kid)
    for (const { sealed, plain } of eras) {
      expect(a.fs.decryptFields(sealed)).toEqual(plain)
      expect(b.fs.decryptFields(sealed)).toEqual(plain)
    }
  })

  it('a deleted keyring row is not a new keyring: instances refuse to start, nothing is written', async () => {
    const table = sharedTable()
    const a = await instance(table)
    const sealed = a.fs.encryptFields({ ssn: '078-05-1120' })
    const [admin] = pools
    await admin!.query(`DELETE FROM "${table}"`)
    await expect(instance(table, {})).rejects.toMatchObject({
      code: 'ERR_FIELDSEAL_KEYRING_NOT_FOUND',
      message: expect.stringContaining(`${table}", keyring "default"`),
    })
    expect((await admin!.query(`SELECT count(*)::int AS n FROM "${table}"`)).rows[0].n).toBe(0)
    // The running instance refuses to start over too; it keeps what it has in memory.
    await expect(a.keyring.refresh()).rejects.toMatchObject({ code: 'ERR_FIELDSEAL_STORE_CORRUPT' })
    expect(a.fs.decryptFields(sealed)).toEqual({ ssn: '078-05-1120' })
    // Its encryption count has nowhere to go: closing says so.
    await expect(a.keyring.close()).rejects.toMatchObject({ code: 'ERR_FIELDSEAL_STORE_CORRUPT' })
  })

  it('re-encrypts, proves with a usage report that the old key is unused, then retires it', async () => {
    const table = sharedTable()
    const a = await instance(table)
    const b = await instance(table)
    const rows = Array.from({ length: 50 }, (_, i) =>
      a.fs.encryptFields({ id: i, ssn: `s${i}`, card: `c${i}` }),
    )
    const oldKid = a.keyring.encryptionKey().kid
    await a.keyring.manager.rotateKey('data', { rotatedBy: 'ops' })
    // As if the rotation were an hour old: no instance can still seal with the old key.
    await backdateRotations(a.store, masterKey, 3_600_000)
    await Promise.all([a.keyring.refresh(), b.keyring.refresh()])

    const usage = await keyUsage(b.fs, rows)
    expect(usage.byKid[oldKid]).toBe(100)
    await expect(b.keyring.manager.retireKey(oldKid, { usage })).rejects.toMatchObject({
      code: 'ERR_FIELDSEAL_KEY_IN_USE',
    })

    const moved: Array<Record<string, unknown>> = []
    for await (const { record } of reencryptRecords(b.fs, rows)) moved.push(record)
    const after = await keyUsage(b.fs, moved)
    expect(after.byKid[oldKid]).toBeUndefined()
    await b.keyring.manager.retireKey(oldKid, { usage: after })
    await a.keyring.refresh()
    expect(a.keyring.manager.getKey(oldKid).status).toBe('retired')
    for (const [i, record] of moved.entries()) {
      expect(a.fs.decryptFields(record)).toEqual({ id: i, ssn: `s${i}`, card: `c${i}` })
    }
    expect(() => a.fs.decryptFields(rows[0])).toThrow(
      expect.objectContaining({ code: 'ERR_FIELDSEAL_KEY_UNAVAILABLE' }),
    )
  })
})
