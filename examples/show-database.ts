/**
 * Prints what the demo's database (`.data/customers.db`) really holds: the sensitive columns are
 * `enc:v1:<key id>:<ciphertext>` strings, never the plaintext. Nothing is decrypted here.
 *
 *     npm start            # in one terminal, then create a customer with the printed curl command
 *     npx tsx examples/show-database.ts
 *
 * @module
 */
import { existsSync } from 'node:fs'
import { join, resolve } from 'node:path'
import Database from 'better-sqlite3'
import { DEFAULT_DATA_DIR } from './shared/dev-environment.js'

const file = join(resolve(process.env.FIELDSEAL_DEMO_DATA ?? DEFAULT_DATA_DIR), 'customers.db')
if (!existsSync(file)) {
  console.log(`${file} does not exist yet: run \`npm start\` and create a customer first.`)
  process.exit(0)
}
const db = new Database(file, { readonly: true })
const rows = db.prepare('SELECT * FROM customers ORDER BY id LIMIT 20').all() as Record<
  string,
  unknown
>[]
const short = (value: unknown) =>
  typeof value === 'string' && value.length > 48 ? `${value.slice(0, 45)}…` : value
for (const row of rows) {
  console.log(
    Object.fromEntries(Object.entries(row).map(([column, value]) => [column, short(value)])),
  )
}
console.log(`${rows.length} row(s) shown from ${file}`)
db.close()
