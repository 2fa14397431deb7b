/**
 * PostgreSQL LISTEN/NOTIFY: every save notifies, and running keyrings reload at once instead of
 * at their next refresh (60 s by default); a listener connection that is lost (here:
 * pg_terminate_backend) is reported and replaced, and the timer stays as a fallback.
 */
import type pg from 'pg'
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { createFieldseal } from '../../src/core/fieldseal.js'
import { openKeyring, type Keyring } from '../../src/keyring/keyring.js'
import type { KeyringOptions } from '../../src/keyring/keyring-options.js'
import { channelOf } from '../../src/keyring/stores/postgres-keyring-sql.js'
import {
  PostgresKeyStore,
  type PostgresKeyStoreOptions,
} from '../../src/keyring/stores/postgres-store.js'
import { masterKeyBase64 } from '../helpers/keyring.js'
import { dropTables, openPool, uniqueTable } from './pg-helpers.js'

const masterKey = masterKeyBase64()
let admin: pg.Pool
let pools: pg.Pool[] = []
let opened: Keyring[] = []
const tables = new Set<string>()

beforeAll(async () => {
  admin = await openPool(2)
})
afterEach(async () => {
  for (const keyring of opened) await keyring.close()
  for (const pool of pools) await pool.end()
  opened = []
  pools = []
})
afterAll(async () => {
  await dropTables(admin, tables)
  await admin.end()
})

/** One application instance: its own pool, and the default refresh interval (60 s). */
async function instance(
  table: string,
  options: Partial<KeyringOptions> = {},
  storeOptions: PostgresKeyStoreOptions = {},
  client?: (pool: pg.Pool) => unknown,
) {
  const pool = await openPool(3)
  pools.push(pool)
  const store = new PostgresKeyStore((client?.(pool) ?? pool) as pg.Pool, {
    table,
    ...storeOptions,
  })
  const keyring = await openKeyring({ store, masterKey, env: {}, ...options })
  opened.push(keyring)
  return keyring
}

function freshTable(): string {
  const table = uniqueTable('fs_listen')
  tables.add(table)
  return table
}

/** Backends listening for `table`'s keyring (their last statement was its LISTEN). */
async function listeners(table: string): Promise<number[]> {
  const listen = `LISTEN "${channelOf(`"${table}"`, 'default')}"`
  const { rows } = await admin.query('SELECT pid FROM pg_stat_activity WHERE query = $1', [listen])
  return rows.map((row: { pid: number }) => row.pid)
}

describe('PostgresKeyStore LISTEN/NOTIFY', () => {
  it('a rotation reaches another running instance at once, every time', async () => {
    const table = freshTable()
    const a = await instance(table, { create: true })
    const b = await instance(table)
    const fsB = createFieldseal({ keyring: b })
    for (let round = 0; round < 5; round++) {
      const rotated = await a.manager.rotateKey('data')
      await vi.waitFor(() => expect(fsB.encryptField('x')).toContain(`:${rotated.id}:`), {
        timeout: 1_000,
        interval: 5,
      })
    }
  })

  it('a listener connection terminated by the server is reported and replaced; rotations keep arriving', async () => {
    const table = freshTable()
    const a = await instance(table, { create: true })
    const errors: unknown[] = []
    const b = await instance(table, { onRefreshError: (error) => errors.push(error) })
    await vi.waitFor(async () => expect((await listeners(table)).length).toBeGreaterThanOrEqual(2))
    const before = await listeners(table)
    await admin.query('SELECT pg_terminate_backend(pid) FROM unnest($1::int[]) AS pid', [before])
    await vi.waitFor(
      () => expect(errors).toContainEqual(expect.objectContaining({ code: '57P01' })),
      { timeout: 2_000 },
    )
    // Replaced, on new backends.
    await vi.waitFor(
      async () => {
        const now = await listeners(table)
        expect(now.filter((pid) => !before.includes(pid)).length).toBeGreaterThanOrEqual(2)
      },
      { timeout: 3_000 },
    )
    const rotated = await a.manager.rotateKey('data')
    await vi.waitFor(() => expect(b.encryptionKey().kid).toBe(rotated.id), {
      timeout: 1_000,
      interval: 5,
    })
  })

  it('without a pool (a bare query function) it says so and falls back to the timer', async () => {
    const table = freshTable()
    await (await instance(table, { create: true })).close()
    const errors: unknown[] = []
    const keyring = await instance(
      table,
      { onRefreshError: (e) => errors.push(e), refreshIntervalMs: 20 },
      {},
      (pool) => ({
        query: pool.query.bind(pool),
      }),
    )
    expect(errors).toEqual([
      expect.objectContaining({
        code: 'ERR_FIELDSEAL_INVALID_OPTION',
        message: expect.stringContaining('pg.Pool'),
      }),
    ])
    const other = await instance(table, { refreshIntervalMs: 0 })
    const rotated = await other.manager.rotateKey('data')
    await vi.waitFor(() => expect(keyring.encryptionKey().kid).toBe(rotated.id), {
      timeout: 2_000,
      interval: 5,
    })
  })

  it('holds no connection with listen: false, or with the timer off, and gives it back on close', async () => {
    const table = freshTable()
    const a = await instance(table, { create: true, refreshIntervalMs: 0 })
    await instance(table, {}, { listen: false })
    await new Promise((resolve) => setTimeout(resolve, 100))
    expect(await listeners(table)).toEqual([])
    const b = await instance(table)
    await vi.waitFor(async () => expect(await listeners(table)).toHaveLength(1))
    await b.close()
    expect(await listeners(table)).toEqual([])
    await a.close()
  })
})
