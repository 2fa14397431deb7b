/**
 * Times reencryptTable on a PostgreSQL table of N rows (default 20 000) with three encrypted
 * columns, after a key rotation. Run: `npx tsx test/bench/reencrypt-table.ts [rows]` (PostgreSQL on
 * 127.0.0.1:5432, database `test`). The table is dropped afterwards.
 */
import { AesGcmCipher, createFieldseal } from 'fieldseal'
import { keyUsage, reencryptTable } from 'fieldseal/migrate'
import { openPool, uniqueTable } from '../integration/pg-helpers.js'

const rows = Number(process.argv[2] ?? 20_000)
const keyA = AesGcmCipher.generateKey()
const keyB = AesGcmCipher.generateKey()
const before = createFieldseal({ keys: [keyA] })
const after = createFieldseal({ keys: [keyB, keyA] })
const pool = await openPool()
const table = uniqueTable('bench_reencrypt')
try {
  await pool.query(`CREATE TABLE ${table} (id bigint PRIMARY KEY, ssn text, card text, email text)`)
  for (let start = 0; start < rows; start += 1000) {
    const values: unknown[] = []
    const tuples: string[] = []
    for (let id = start; id < Math.min(rows, start + 1000); id++) {
      const row = before.encryptFields(
        {
          ssn: `078-05-${String(id % 10000).padStart(4, '0')}`,
          card: '4111111111111111',
          email: `u${id}@example.com`,
        },
        ['ssn', 'card', 'email'],
      )
      const n = values.length
      tuples.push(`($${n + 1}, $${n + 2}, $${n + 3}, $${n + 4})`)
      values.push(id, row.ssn, row.card, row.email)
    }
    await pool.query(`INSERT INTO ${table} VALUES ${tuples.join(',')}`, values)
  }
  const started = process.hrtime.bigint()
  const done = await reencryptTable(after, pool, { table, columns: ['ssn', 'card', 'email'] })
  const ms = Number(process.hrtime.bigint() - started) / 1e6
  const { rows: stored } = await pool.query(`SELECT ssn, card, email FROM ${table}`)
  const usage = await keyUsage(after, stored)
  console.log(`reencryptTable: ${done.updated} of ${done.rows} rows in ${ms.toFixed(0)} ms`)
  console.log(`values per key id afterwards: ${JSON.stringify({ ...usage.byKid })}`)
} finally {
  await pool.query(`DROP TABLE IF EXISTS ${table}`)
  await pool.end()
}
