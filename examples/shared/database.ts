/**
 * The customers table on SQLite (better-sqlite3), shared by the Express and Koa examples.
 *
 * The handlers store the body the fieldseal middleware hands them, so the sensitive columns
 * receive `enc:v1:` values only. The schema checks that too (a CHECK constraint per column), and
 * so does {@link CustomerStore.insert}: if the middleware were ever left out, the insert fails
 * instead of writing plaintext.
 *
 * @module
 */
import Database from 'better-sqlite3'
import { CUSTOMER_COLUMNS, SENSITIVE_COLUMNS, type CustomerColumn } from './customer-fields.js'

/** A better-sqlite3 connection. */
export type CustomerDatabase = Database.Database

/** A stored customer as the table holds it: sensitive columns are `enc:v1:` strings or `null`. */
export type CustomerRow = { readonly id: number; readonly created_at: string } & {
  readonly [column in CustomerColumn]: string | null
}

const ENC_CHECK = (column: string) => `CHECK (${column} IS NULL OR ${column} LIKE 'enc:v1:%')`

const SCHEMA = `
CREATE TABLE IF NOT EXISTS customers (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  name TEXT NOT NULL,
  ${SENSITIVE_COLUMNS.map((column) => `${column} TEXT ${ENC_CHECK(column)}`).join(',\n  ')},
  email_bidx TEXT,
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE INDEX IF NOT EXISTS customers_email_bidx ON customers (email_bidx);
`

/**
 * Opens (and creates) the database at `file` — `':memory:'` for tests — with the customers table.
 *
 * @example
 * ```ts
 * const db = openDatabase('.data/customers.db')
 * ```
 */
export function openDatabase(file: string): CustomerDatabase {
  const db = new Database(file)
  db.pragma('journal_mode = WAL')
  db.exec(SCHEMA)
  return db
}

const SELECT = `SELECT id, ${CUSTOMER_COLUMNS.join(', ')}, created_at FROM customers`

/**
 * The customers table. It takes what the middleware produced and never decrypts anything:
 * responses are decrypted and masked by the middleware on the way out.
 *
 * @example
 * ```ts
 * const store = new CustomerStore(db)
 * const id = store.insert(req.body) // req.body: sensitive fields already 'enc:v1:…'
 * ```
 */
export class CustomerStore {
  readonly #insert: Database.Statement
  readonly #get: Database.Statement
  readonly #list: Database.Statement
  readonly #byEmail: Database.Statement

  constructor(db: CustomerDatabase) {
    const columns = [...CUSTOMER_COLUMNS, 'email_bidx']
    this.#insert = db.prepare(
      `INSERT INTO customers (${columns.join(', ')}) VALUES (${columns.map((c) => `@${c}`).join(', ')})`,
    )
    this.#get = db.prepare(`${SELECT} WHERE id = ?`)
    this.#list = db.prepare(`${SELECT} ORDER BY id LIMIT ? OFFSET ?`)
    this.#byEmail = db.prepare(`${SELECT} WHERE email_bidx = ? ORDER BY id`)
  }

  /**
   * Inserts the body the middleware encrypted and returns the new id. Refuses (throws) a
   * sensitive value that is not an `enc:v1:` string: plaintext never reaches the table.
   */
  insert(body: Readonly<Record<string, unknown>>): number {
    const row: Record<string, string | null> = { name: String(body.name), email_bidx: null }
    for (const column of SENSITIVE_COLUMNS) {
      const value = body[column]
      if (value === undefined || value === null || value === '') row[column] = null
      else if (typeof value === 'string' && value.startsWith('enc:v1:')) row[column] = value
      else throw new Error(`refusing to store column ${column}: it is not encrypted`)
    }
    if (typeof body.email_bidx === 'string') row.email_bidx = body.email_bidx
    return Number(this.#insert.run(row).lastInsertRowid)
  }

  /** One customer, or `undefined`. */
  get(id: number): CustomerRow | undefined {
    return this.#get.get(id) as CustomerRow | undefined
  }

  /** A page of customers, oldest first. */
  list(limit = 100, offset = 0): CustomerRow[] {
    return this.#list.all(limit, offset) as CustomerRow[]
  }

  /** Customers whose e-mail has this blind index (see `sealer.blindIndex(email, 'email')`). */
  findByEmailIndex(index: string): CustomerRow[] {
    return this.#byEmail.all(index) as CustomerRow[]
  }
}
