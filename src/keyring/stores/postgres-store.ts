/**
 * A {@link KeyStore} in a PostgreSQL table, so that many application instances share one keyring.
 *
 * One row per keyring name holds the whole document and its revision. Writes are compare-and-set
 * on that revision: `INSERT … ON CONFLICT DO NOTHING` for the first save, `UPDATE … WHERE revision
 * = expected` after that, and a write that touches no row is a conflict. Two instances rotating at
 * once therefore cannot both win; the loser gets `ERR_FIELDSEAL_STORE_CONFLICT`, reloads and
 * retries. Every save notifies the keyring's channel, and running keyrings listen on it
 * (`postgres-listener.ts`). The driver is passed in (a `pg.Pool` fits): the core does not depend
 * on `pg`. The SQL is in `postgres-keyring-sql.ts`.
 *
 * @module
 */
import { FieldsealError } from '../../errors.js'
import {
  booleanOption,
  invalidOption,
  optionNames,
  optionsObject,
  rejectUnknownOptions,
} from '../../util/option-checks.js'
import { isPgQueryable, quoteTableName, type PgQueryable } from '../../postgres/sql.js'
import { assertKeyringDocument, checkSaveArguments } from './document-check.js'
import {
  channelOf,
  createTableStatement,
  createUnderLockStatement,
  insertStatement,
  updateStatement,
} from './postgres-keyring-sql.js'
import { listenForSaves } from './postgres-listener.js'
import type { KeyringDocument, KeyStore, StoreWatch, StoreWatcher } from '../types.js'

/** Options of {@link PostgresKeyStore}. */
export interface PostgresKeyStoreOptions {
  /** Table holding keyrings, optionally `schema.table`. Defaults to `'fieldseal_keyring'`. */
  readonly table?: string
  /** Name of this keyring; several keyrings can share one table. Defaults to `'default'`. */
  readonly name?: string
  /** Run `CREATE TABLE IF NOT EXISTS` on first use. Defaults to `true`. */
  readonly createTable?: boolean
  /**
   * Let running keyrings `LISTEN` for saves (one pool connection each), so a rotation reaches
   * them at once. Needs a `pg.Pool`. Saves always notify. Defaults to `true`.
   */
  readonly listen?: boolean
}

const WHERE = 'PostgresKeyStore'
const KNOWN = optionNames<PostgresKeyStoreOptions>({
  table: true,
  name: true,
  createTable: true,
  listen: true,
})
const DEFAULT_TABLE = 'fieldseal_keyring'
// What a session racing another through CREATE TABLE IF NOT EXISTS can get: unique_violation
// on the catalog, duplicate_table, and duplicate_object for the table's row type. Creation runs
// under an advisory lock, so these only come from a session that does not take it (an older
// fieldseal, a migration); the table exists afterwards either way.
const CREATE_RACE = new Set(['23505', '42P07', '42710'])

function conflict(expected: number): FieldsealError {
  return new FieldsealError(
    'ERR_FIELDSEAL_STORE_CONFLICT',
    `the keyring changed since revision ${expected} was read; reload and retry`,
  )
}

function corrupt(why: string, cause?: unknown): FieldsealError {
  return new FieldsealError(
    'ERR_FIELDSEAL_STORE_CORRUPT',
    `keyring row ${why}`,
    cause === undefined ? {} : { cause },
  )
}

/**
 * Key store backed by a PostgreSQL table.
 *
 * @example
 * ```ts
 * import pg from 'pg'
 * import { PostgresKeyStore } from 'fieldseal/keyring'
 *
 * const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL })
 * const store = new PostgresKeyStore(pool, { table: 'fieldseal_keyring', name: 'billing' })
 * ```
 */
export class PostgresKeyStore implements KeyStore {
  readonly #client: PgQueryable
  readonly #table: string
  readonly #name: string
  readonly #channel: string
  readonly #listen: boolean
  #ready: Promise<void> | undefined

  constructor(client: PgQueryable, options?: Readonly<PostgresKeyStoreOptions>) {
    if (!isPgQueryable(client)) throw new TypeError(`${WHERE}: client must have a query() method`)
    const defined = optionsObject(options, WHERE)
    rejectUnknownOptions(defined, KNOWN, WHERE)
    const name = defined.name ?? 'default'
    if (typeof name !== 'string' || name.length === 0 || name.length > 200) {
      throw invalidOption(WHERE, 'name must be a non-empty string of at most 200 characters')
    }
    this.#client = client
    this.#table = quoteTableName(defined.table ?? DEFAULT_TABLE, `${WHERE} table`)
    this.#name = name
    this.#channel = channelOf(this.#table, name)
    this.#listen = booleanOption(defined.listen, true, 'listen', WHERE)
    const create = booleanOption(defined.createTable, true, 'createTable', WHERE)
    this.#ready = create ? undefined : Promise.resolve()
  }

  /**
   * The DDL the store runs when `createTable` is on; use it in your own migrations otherwise.
   *
   * @example
   * ```ts
   * await pool.query(PostgresKeyStore.createTableSql('app.fieldseal_keyring'))
   * ```
   */
  static createTableSql(table: string = DEFAULT_TABLE): string {
    return createTableStatement(quoteTableName(table, `${WHERE} table`))
  }

  #ensureTable(): Promise<void> {
    this.#ready ??= this.#createTable().catch((error: unknown) => {
      this.#ready = undefined // let the next call try again (the database may come back)
      throw error
    })
    return this.#ready
  }

  async #createTable(): Promise<void> {
    const sql = createUnderLockStatement(this.#table)
    try {
      await this.#client.query(sql)
    } catch (error) {
      if (!CREATE_RACE.has((error as { code?: unknown } | null)?.code as string)) throw error
      await this.#client.query(sql)
    }
  }

  /** The stored document, or `undefined` when this keyring has no row yet. */
  async load(): Promise<KeyringDocument | undefined> {
    await this.#ensureTable()
    const result = await this.#client.query(
      `SELECT revision::text AS revision, document::text AS document FROM ${this.#table} WHERE name = $1`,
      [this.#name],
    )
    const row = result.rows[0] as { revision?: unknown; document?: unknown } | undefined
    if (row === undefined) return undefined
    let parsed: unknown
    try {
      parsed = JSON.parse(String(row.document))
    } catch {
      // The parser's message quotes the data, so it is not kept as the cause.
      throw corrupt('does not hold JSON')
    }
    const doc = assertKeyringDocument(parsed)
    if (String(doc.revision) !== row.revision) {
      throw corrupt('revision does not match its document')
    }
    return doc
  }

  /**
   * Stores `doc` if the stored revision is still `expectedRevision` (0 when there is no row);
   * otherwise throws `ERR_FIELDSEAL_STORE_CONFLICT` and changes nothing.
   */
  async save(doc: KeyringDocument, expectedRevision: number): Promise<void> {
    const checked = checkSaveArguments(doc, expectedRevision, WHERE)
    await this.#ensureTable()
    const json = JSON.stringify(checked)
    const result =
      expectedRevision === 0
        ? await this.#client.query(insertStatement(this.#table), [
            this.#name,
            checked.revision,
            json,
            this.#channel,
          ])
        : await this.#client.query(updateStatement(this.#table), [
            this.#name,
            expectedRevision,
            checked.revision,
            json,
            this.#channel,
          ])
    if (result.rowCount !== 1) throw conflict(expectedRevision)
  }

  /**
   * Listens for saves of this keyring (`LISTEN` on a connection of the pool, replaced if lost)
   * and calls `watcher.onChange()` for each. With `listen: false`, does nothing.
   */
  watch(watcher: StoreWatcher): StoreWatch {
    if (!this.#listen) return { close: async () => undefined }
    return listenForSaves(this.#client, this.#channel, watcher)
  }

  /** The table and keyring name, for messages (never the connection string). */
  describe(): string {
    return `PostgreSQL table ${this.#table}, keyring "${this.#name}"`
  }

  /** Nothing to release: the pool belongs to the caller, who ends it. */
  async close(): Promise<void> {}
}
