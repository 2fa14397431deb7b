import type pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { AesGcmCipher } from '../../src/crypto/aes-gcm.js'
import { createFieldseal } from '../../src/core/fieldseal.js'
import { keyUsage } from '../../src/migrate/key-usage.js'
import type { PgConnection, PgPool } from '../../src/postgres/sql.js'
import {
  reencryptTable,
  type RowFailure,
  type TableProgress,
} from '../../src/migrate/reencrypt-table.js'
import { keyFingerprint } from '../../src/crypto/static-keys.js'
import { dropTables, openPool, uniqueTable } from './pg-helpers.js'

const ROWS = 3000
const A = AesGcmCipher.generateKey()
const B = AesGcmCipher.generateKey()
const kidA = keyFingerprint(A)
const kidB = keyFingerprint(B)
const FIELDS = ['ssn', 'card', 'email', 'profile.tax_id']
const COLUMNS = ['ssn', 'card', 'email', 'profile']
const fsA = createFieldseal({ keys: [A], fields: FIELDS })
const fsBA = createFieldseal({ keys: [B, A], fields: FIELDS })
const fsB = createFieldseal({ keys: [B], fields: FIELDS })

interface Row {
  id: string
  name: string
  ssn: string | null
  card: string | null
  email: string | null
  profile: { tax_id: string; city: string } | null
}

let pool: pg.Pool
let other: pg.Pool
const tables = new Set<string>()

function plain(id: number): Omit<Row, 'id'> {
  return {
    name: `customer ${id}`,
    ssn: `${String(id).padStart(3, '0')}-45-6789`,
    card: `4111 1111 1111 ${String(id % 10000).padStart(4, '0')}`,
    // Some rows have no email: empty values pass through untouched.
    email: id % 7 === 0 ? null : `user${id}@example.com`,
    profile: { tax_id: `TX${id}`, city: 'Lyon' },
  }
}

/** A table of `count` rows encrypted under key A. */
async function seed(count = ROWS): Promise<string> {
  const table = uniqueTable('fs_reenc')
  tables.add(table)
  await pool.query(
    `CREATE TABLE "${table}" (id bigint PRIMARY KEY, name text NOT NULL, ssn text, card text, email text, profile jsonb)`,
  )
  const columns: unknown[][] = [[], [], [], [], [], []]
  for (let id = 1; id <= count; id++) {
    const row = fsA.encryptFields(plain(id))
    const values = [id, row.name, row.ssn, row.card, row.email, JSON.stringify(row.profile)]
    for (const [i, value] of values.entries()) columns[i]!.push(value)
  }
  await pool.query(
    `INSERT INTO "${table}" SELECT a, b, c, d, e, f::jsonb
     FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[]) AS u(a, b, c, d, e, f)`,
    columns,
  )
  return table
}

async function readAll(table: string): Promise<Row[]> {
  return (
    await pool.query(`SELECT id, name, ssn, card, email, profile FROM "${table}" ORDER BY id`)
  ).rows
}

beforeAll(async () => {
  pool = await openPool()
  other = await openPool()
})

afterAll(async () => {
  if (pool !== undefined) await dropTables(pool, tables)
  await pool?.end()
  await other?.end()
})

describe('reencryptTable', () => {
  it('rotates a table from key A to key B; afterwards key B alone reads every row', async () => {
    const table = await seed()
    expect(await keyUsage(fsA, await readAll(table))).toMatchObject({
      byKid: { [kidA]: expect.any(Number) },
    })
    const progress: TableProgress[] = []
    const done = await reencryptTable(fsBA, pool, {
      table,
      columns: COLUMNS,
      onProgress: (p) => progress.push(p),
    })
    expect(done).toEqual({
      rows: ROWS,
      updated: ROWS,
      conflicts: 0,
      failed: 0,
      lastId: String(ROWS),
    })
    expect(progress.map((p) => p.lastId)).toEqual(['500', '1000', '1500', '2000', '2500', '3000'])

    const rows = await readAll(table)
    const usage = await keyUsage(fsB, rows)
    expect(Object.keys(usage.byKid)).toEqual([kidB])
    expect(usage).toMatchObject({ legacy: 0, plaintext: 0, malformed: 0 })
    rows.forEach((row) => {
      const { id, ...rest } = fsB.decryptFields(row)
      expect(rest).toEqual(plain(Number(id)))
    })

    // A second run finds nothing to do.
    expect(await reencryptTable(fsBA, pool, { table, columns: COLUMNS })).toMatchObject({
      rows: ROWS,
      updated: 0,
    })
  })

  it('resumes after an abort from the last committed batch, and never redoes or skips a row', async () => {
    const table = await seed(2000)
    const controller = new AbortController()
    let checkpoint: unknown
    const first = reencryptTable(fsBA, pool, {
      table,
      columns: COLUMNS,
      batchSize: 300,
      signal: controller.signal,
      onProgress: ({ lastId, rows }) => {
        checkpoint = lastId
        if (rows >= 600) controller.abort()
      },
    })
    await expect(first).rejects.toMatchObject({ name: 'AbortError' })
    expect(checkpoint).toBe('600')
    const mid = await keyUsage(fsBA, await readAll(table))
    expect(mid.byKid[kidB]).toBeGreaterThan(0)
    expect(mid.byKid[kidA]).toBeGreaterThan(0)

    const second = await reencryptTable(fsBA, pool, {
      table,
      columns: COLUMNS,
      batchSize: 300,
      startAfterId: checkpoint,
    })
    expect(second).toMatchObject({ rows: 1400, updated: 1400, conflicts: 0, lastId: '2000' })
    expect(Object.keys((await keyUsage(fsB, await readAll(table))).byKid)).toEqual([kidB])
  })

  it('does not clobber a row the application changed between read and write', async () => {
    const table = await seed(1000)
    const target = 250
    const fromApp = fsB.encryptFields({ ssn: 'written-by-the-app' }).ssn
    // Wrap the pool: right after the job reads its first batch, the application updates a row.
    let raced = false
    const racing: PgPool = {
      async connect(): Promise<PgConnection> {
        const connection = await pool.connect()
        return {
          async query(text: string, values?: unknown[]) {
            const result = await connection.query(text, values)
            if (!raced && text.startsWith('SELECT') && text.includes('ORDER BY')) {
              raced = true
              await other.query(`UPDATE "${table}" SET ssn = $1 WHERE id = $2`, [fromApp, target])
            }
            return result
          },
          release: (error) => connection.release(error),
        }
      },
    }
    const done = await reencryptTable(fsBA, racing, { table, columns: COLUMNS })
    expect(raced).toBe(true)
    expect(done).toMatchObject({ rows: 1000, updated: 999, conflicts: 1 })
    const row = (await pool.query(`SELECT ssn FROM "${table}" WHERE id = $1`, [target])).rows[0]
    expect(row.ssn).toBe(fromApp)
    expect(fsB.decryptFields(row)).toEqual({ ssn: 'written-by-the-app' })
  })

  it('leaves a row it cannot open as it is, reports it, and carries on', async () => {
    const table = await seed(600)
    await pool.query(
      `UPDATE "${table}" SET card = 'enc:v1:unknownkey:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' WHERE id = 42`,
    )
    const failures: RowFailure[] = []
    const done = await reencryptTable(fsBA, pool, {
      table,
      columns: COLUMNS,
      onRowError: (f) => failures.push(f),
    })
    expect(done).toMatchObject({ rows: 600, updated: 599, failed: 1 })
    expect(failures).toHaveLength(1)
    expect(failures[0]).toMatchObject({
      id: '42',
      error: { code: 'ERR_FIELDSEAL_UNKNOWN_KEY', path: 'card' },
    })
    const row = (await pool.query(`SELECT ssn, card FROM "${table}" WHERE id = 42`)).rows[0]
    expect(row.card).toMatch(/^enc:v1:unknownkey:/)
    expect(row.ssn).toMatch(new RegExp(`^enc:v1:${kidA}:`))
  })

  it('rolls back the current batch and throws at the first failing row [stopOnError: true]', async () => {
    const table = await seed(600)
    await pool.query(`UPDATE "${table}" SET ssn = 'plaintext!' WHERE id = 450`)
    let checkpoint: unknown
    await expect(
      reencryptTable(fsBA, pool, {
        table,
        columns: COLUMNS,
        batchSize: 200,
        stopOnError: true,
        onProgress: ({ lastId }) => (checkpoint = lastId),
      }),
    ).rejects.toMatchObject({ code: 'ERR_FIELDSEAL_PLAINTEXT_FIELD', path: 'ssn' })
    expect(checkpoint).toBe('400')
    const usage = await keyUsage(fsBA, await readAll(table), { fields: ['card'] })
    expect(usage.byKid).toEqual({ [kidB]: 400, [kidA]: 200 })
  })

  it('handles json and jsonb columns: a top-level string, an array, a nested document', async () => {
    const table = uniqueTable('fs_reenc_json')
    tables.add(table)
    await pool.query(
      `CREATE TABLE "${table}" (id serial PRIMARY KEY, note jsonb, tags jsonb, info json)`,
    )
    const paths = ['note', 'tags[*]', 'info.tax_id']
    for (let i = 0; i < 20; i++) {
      const row = fsA.encryptFields(
        { note: `note ${i}`, tags: [`t${i}`, `u${i}`], info: { tax_id: `TX${i}`, keep: i } },
        paths,
      )
      await pool.query(`INSERT INTO "${table}" (note, tags, info) VALUES ($1, $2, $3)`, [
        JSON.stringify(row.note),
        JSON.stringify(row.tags),
        JSON.stringify(row.info),
      ])
    }
    const done = await reencryptTable(fsBA, pool, { table, columns: ['note', 'tags', 'info'] })
    expect(done).toMatchObject({ rows: 20, updated: 20, conflicts: 0, failed: 0 })
    const rows = (await pool.query(`SELECT note, tags, info FROM "${table}" ORDER BY id`)).rows
    expect(Object.keys((await keyUsage(fsB, rows)).byKid)).toEqual([kidB])
    expect(fsB.decryptFields(rows[3], paths)).toEqual({
      note: 'note 3',
      tags: ['t3', 'u3'],
      info: { tax_id: 'TX3', keep: 3 },
    })
  })

  it('re-encrypts each row under its binding, read from a column it never writes [binding, bindingColumns]', async () => {
    const table = uniqueTable('fs_reenc_bound')
    tables.add(table)
    await pool.query(
      `CREATE TABLE "${table}" (id bigint PRIMARY KEY, tenant_id text NOT NULL, ssn text)`,
    )
    for (let id = 1; id <= 20; id++) {
      const tenant = id % 2 === 0 ? 'even' : 'odd'
      const row = fsA.encryptFields({ ssn: `${id}-45-6789` }, undefined, {
        binding: `tenant:${tenant}`,
      })
      await pool.query(`INSERT INTO "${table}" VALUES ($1, $2, $3)`, [id, tenant, row.ssn])
    }
    const failures: RowFailure[] = []
    const done = await reencryptTable(fsBA, pool, {
      table,
      columns: ['ssn'],
      bindingColumns: ['tenant_id'],
      binding: (row) => `tenant:${row.tenant_id}`,
      onRowError: (failure) => failures.push(failure),
    })
    expect(failures).toEqual([])
    expect(done).toMatchObject({ rows: 20, updated: 20, failed: 0 })
    const rows = (await pool.query(`SELECT id, tenant_id, ssn FROM "${table}" ORDER BY id`)).rows
    for (const row of rows) {
      expect(row.ssn.startsWith(`enc:v1:${kidB}:`)).toBe(true)
      const opened = fsB.decryptFields({ ssn: row.ssn }, undefined, {
        binding: `tenant:${row.tenant_id}`,
      })
      expect(opened.ssn).toBe(`${row.id}-45-6789`)
    }
    // Values already under the active key are kept without being opened; the binding column is
    // read, never written, and may not also be re-encrypted.
    const moved = await reencryptTable(fsB, pool, {
      table,
      columns: ['ssn'],
      bindingColumns: ['tenant_id'],
      binding: () => 'tenant:odd',
    })
    expect(moved).toMatchObject({ rows: 20, updated: 0, failed: 0 }) // already under the active key
    await expect(
      reencryptTable(fsBA, pool, {
        table,
        columns: ['ssn'],
        bindingColumns: ['ssn'],
        binding: () => 'x',
      }),
    ).rejects.toMatchObject({ code: 'ERR_FIELDSEAL_INVALID_OPTION' })
    await expect(
      reencryptTable(fsBA, pool, {
        table,
        columns: ['ssn'],
        bindingColumns: ['nope'],
        binding: () => 'x',
      }),
    ).rejects.toMatchObject({ code: 'ERR_FIELDSEAL_INVALID_OPTION' })
  })

  it('refuses a missing table or column before reading a row', async () => {
    const table = await seed(1)
    const invalid = { code: 'ERR_FIELDSEAL_INVALID_OPTION' }
    await expect(
      reencryptTable(fsBA, pool, { table: `${table}_nope`, columns: ['ssn'] }),
    ).rejects.toMatchObject(invalid)
    await expect(
      reencryptTable(fsBA, pool, { table, columns: ['ssn', 'nope'] }),
    ).rejects.toMatchObject(invalid)
    await expect(
      reencryptTable(fsBA, pool, { table, idColumn: 'pk', columns: ['ssn'] }),
    ).rejects.toMatchObject(invalid)
  })

  it('refuses unsafe identifiers and bad options before touching the database', async () => {
    const invalid = { code: 'ERR_FIELDSEAL_INVALID_OPTION' }
    const base = { table: 't', columns: ['ssn'] }
    await expect(
      reencryptTable(fsBA, pool, { ...base, table: 't; DROP TABLE x' }),
    ).rejects.toMatchObject(invalid)
    await expect(
      reencryptTable(fsBA, pool, { ...base, columns: ['ssn"--'] }),
    ).rejects.toMatchObject(invalid)
    await expect(
      reencryptTable(fsBA, pool, { ...base, idColumn: 'id desc' }),
    ).rejects.toMatchObject(invalid)
    await expect(reencryptTable(fsBA, pool, { ...base, columns: [] })).rejects.toMatchObject(
      invalid,
    )
    await expect(reencryptTable(fsBA, pool, { ...base, columns: ['id'] })).rejects.toMatchObject(
      invalid,
    )
    await expect(reencryptTable(fsBA, pool, { ...base, batchSize: 0 })).rejects.toMatchObject(
      invalid,
    )
    await expect(
      reencryptTable(fsBA, pool, { ...base, colums: ['x'] } as never),
    ).rejects.toMatchObject({
      ...invalid,
      message: expect.stringContaining('Did you mean "columns"'),
    })
    await expect(reencryptTable(fsBA, {} as never, base)).rejects.toBeInstanceOf(TypeError)
  })
})
