import type pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { PostgresKeyStore } from '../../src/keyring/stores/postgres-store.js'
import { keyringDocument, nextRevision } from '../fixtures/keyring-document.js'
import { describeKeyStoreContract } from '../helpers/store-contract.js'
import { dropTables, openPool, uniqueTable } from './pg-helpers.js'

let pool: pg.Pool
let other: pg.Pool
const pools: pg.Pool[] = []
const tables = new Set<string>()

function table(): string {
  const name = uniqueTable('fs_store')
  tables.add(name)
  return name
}

beforeAll(async () => {
  pool = await openPool()
  other = await openPool()
})

afterAll(async () => {
  if (pool !== undefined) await dropTables(pool, tables)
  await pool?.end()
  await other?.end()
  for (const own of pools) await own.end()
})

const tableOf = new WeakMap<PostgresKeyStore, string>()

function storeOn(on: pg.Pool, name: string): PostgresKeyStore {
  const store = new PostgresKeyStore(on, { table: name })
  tableOf.set(store, name)
  return store
}

describeKeyStoreContract('PostgresKeyStore', {
  create: async () => storeOn(pool, table()),
  holding: async (value) => {
    const name = table()
    await pool.query(PostgresKeyStore.createTableSql(name))
    await pool.query(
      `INSERT INTO "${name}" (name, revision, document) VALUES ('default', 1, $1::jsonb)`,
      [JSON.stringify(value)],
    )
    return storeOn(pool, name)
  },
  // Each on a pool of its own, as other processes would be.
  another: async (store) => {
    const own = await openPool(2)
    pools.push(own)
    return storeOn(own, tableOf.get(store) as string)
  },
})

describe('PostgresKeyStore', () => {
  it('keeps keyrings of different names apart in one table', async () => {
    const name = table()
    const billing = new PostgresKeyStore(pool, { table: name, name: 'billing' })
    const crm = new PostgresKeyStore(other, { table: name, name: 'crm' })
    const a = keyringDocument(1)
    const b = keyringDocument(1)
    await billing.save(a, 0)
    await crm.save(b, 0)
    expect(await billing.load()).toEqual(a)
    expect(await crm.load()).toEqual(b)
    expect(await new PostgresKeyStore(pool, { table: name }).load()).toBeUndefined()
  })

  it('lets exactly one of two concurrent savers (two pools) win each revision', async () => {
    const name = table()
    const stores = [
      new PostgresKeyStore(pool, { table: name }),
      new PostgresKeyStore(other, { table: name }),
    ]
    // First save races the INSERT path, later rounds the UPDATE path.
    const initial = await Promise.allSettled(
      stores.map((store) => store.save(keyringDocument(1), 0)),
    )
    expect(initial.filter((r) => r.status === 'fulfilled')).toHaveLength(1)
    for (let round = 0; round < 25; round++) {
      const current = (await stores[0]!.load())!
      const attempts = stores.map((store, i) => {
        const doc = nextRevision(current, `r${round}_s${i}`)
        return store.save(doc, current.revision).then(() => doc)
      })
      const results = await Promise.allSettled(attempts)
      const winners = results.filter((r) => r.status === 'fulfilled')
      const losers = results.filter((r) => r.status === 'rejected')
      expect(winners).toHaveLength(1)
      expect(losers[0]).toMatchObject({ reason: { code: 'ERR_FIELDSEAL_STORE_CONFLICT' } })
      expect(await stores[1]!.load()).toEqual((winners[0] as PromiseFulfilledResult<unknown>).value)
    }
    expect((await stores[0]!.load())!.revision).toBe(26)
  })

  it('survives two instances creating the table at the same moment', async () => {
    const name = table()
    const stores = [pool, other, pool, other].map(
      (client) => new PostgresKeyStore(client, { table: name }),
    )
    const loaded = await Promise.all(stores.map((store) => store.load()))
    expect(loaded).toEqual([undefined, undefined, undefined, undefined])
  })

  it('many instances opening a fresh table at once all succeed (150 rounds of 16 connections)', async () => {
    const clients = await Promise.all(Array.from({ length: 16 }, () => openPool(1)))
    try {
      await Promise.all(clients.map((client) => client.query('SELECT 1'))) // connected: they start together
      const failures: unknown[] = []
      for (let round = 0; round < 150; round++) {
        const name = table()
        const results = await Promise.allSettled(
          clients.map((client) => new PostgresKeyStore(client, { table: name }).load()),
        )
        for (const result of results) if (result.status === 'rejected') failures.push(result.reason)
      }
      expect(failures.map((error) => (error as { code?: string }).code)).toEqual([])
    } finally {
      await Promise.all(clients.map((client) => client.end()))
    }
  }, 60_000)

  it('refuses a row whose revision column disagrees with its document', async () => {
    const name = table()
    const store = new PostgresKeyStore(pool, { table: name })
    await store.save(keyringDocument(1), 0)
    await pool.query(`UPDATE "${name}" SET revision = 7`)
    await expect(store.load()).rejects.toMatchObject({ code: 'ERR_FIELDSEAL_STORE_CORRUPT' })
  })

  it('refuses a row that is not JSON at all, without quoting it [text column, createTable: false]', async () => {
    const name = table()
    await pool.query(
      `CREATE TABLE "${name}" (name text PRIMARY KEY, revision bigint NOT NULL, document text NOT NULL,
       updated_at timestamptz NOT NULL DEFAULT now())`,
    )
    const store = new PostgresKeyStore(pool, { table: name, createTable: false })
    await store.save(keyringDocument(1), 0)
    expect((await store.load())!.revision).toBe(1)
    await pool.query(`UPDATE "${name}" SET document = 'secret-looking {garbage'`)
    const error = await store.load().then(
      () => undefined,
      (e: unknown) => e,
    )
    expect(error).toMatchObject({ code: 'ERR_FIELDSEAL_STORE_CORRUPT' })
    expect(String((error as Error).message)).not.toContain('garbage')
    expect((error as Error).cause).toBeUndefined()
  })

  it('does not create the table when createTable is false', async () => {
    const name = table()
    const store = new PostgresKeyStore(pool, { table: name, createTable: false })
    await expect(store.load()).rejects.toMatchObject({ code: '42P01' })
    const exists = await pool.query('SELECT to_regclass($1) AS t', [name])
    expect(exists.rows[0].t).toBeNull()
  })

  it('accepts a schema-qualified table and the DDL it documents', async () => {
    const name = table()
    await pool.query(PostgresKeyStore.createTableSql(`public.${name}`))
    const store = new PostgresKeyStore(pool, { table: `public.${name}`, createTable: false })
    await store.save(keyringDocument(1), 0)
    expect((await store.load())!.revision).toBe(1)
  })

  it('rejects bad options when constructed', () => {
    expect(() => new PostgresKeyStore(pool, { table: 'x; DROP TABLE y' })).toThrow(
      expect.objectContaining({ code: 'ERR_FIELDSEAL_INVALID_OPTION' }),
    )
    expect(() => new PostgresKeyStore(pool, { tabel: 'x' } as never)).toThrow(
      /Did you mean "table"/,
    )
    expect(() => new PostgresKeyStore(pool, { name: '' })).toThrow(
      expect.objectContaining({ code: 'ERR_FIELDSEAL_INVALID_OPTION' }),
    )
    expect(() => new PostgresKeyStore({} as never)).toThrow(TypeError)
  })

  it('fails, rather than hangs, when the server cannot be reached', async () => {
    const { default: pgModule } = await import('pg')
    const dead = new pgModule.Pool({ host: '127.0.0.1', port: 1, connectionTimeoutMillis: 2_000 })
    try {
      await expect(new PostgresKeyStore(dead).load()).rejects.toThrow()
    } finally {
      await dead.end()
    }
  })
})
