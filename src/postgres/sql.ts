/**
 * What fieldseal needs from a PostgreSQL driver, as structural types (a `pg.Pool`, `pg.Client`
 * or `PoolClient` fits; the core never imports `pg`), and safe quoting of the identifiers it
 * puts into SQL. Values always travel as parameters; only validated identifiers are spliced.
 *
 * @module
 */
import { invalidOption } from '../util/option-checks.js'

/** Anything that runs a parameterised query: `pg.Pool`, `pg.Client`, a pool's client. */
export interface PgQueryable {
  query(text: string, values?: unknown[]): Promise<{ rows: unknown[]; rowCount: number | null }>
}

/** One checked-out connection, on which `BEGIN`…`COMMIT` form a transaction. */
export interface PgConnection extends PgQueryable {
  /** Returns the connection to its pool; an error argument makes the pool discard it. */
  release(error?: Error | boolean): void
}

/** A pool that lends out connections: `pg.Pool` fits. */
export interface PgPool {
  connect(): Promise<PgConnection>
}

// Unquoted-identifier rules of PostgreSQL (lower case or not), within NAMEDATALEN - 1 bytes.
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/

/**
 * Validates an identifier (`[A-Za-z_][A-Za-z0-9_]{0,62}`) and returns it double-quoted.
 * Throws `ERR_FIELDSEAL_INVALID_OPTION` for anything else, so no name can carry SQL.
 *
 * @example
 * ```ts
 * quoteIdentifier('customer_id', 'reencryptTable idColumn') // '"customer_id"'
 * ```
 */
export function quoteIdentifier(name: unknown, where: string): string {
  if (typeof name !== 'string' || !IDENTIFIER.test(name)) {
    throw invalidOption(where, 'must be an identifier of letters, digits and "_" (at most 63)')
  }
  return `"${name}"`
}

/**
 * Validates a table name, optionally schema-qualified (`schema.table`), and returns it quoted.
 *
 * @example
 * ```ts
 * quoteTableName('billing.customers', 'reencryptTable table') // '"billing"."customers"'
 * ```
 */
export function quoteTableName(name: unknown, where: string): string {
  if (typeof name !== 'string') throw invalidOption(where, 'must be a string')
  const parts = name.split('.')
  if (parts.length > 2) throw invalidOption(where, 'may have at most one "schema." prefix')
  return parts.map((part) => quoteIdentifier(part, where)).join('.')
}

/**
 * True for a driver object with the `query` method fieldseal uses.
 *
 * @example
 * ```ts
 * isPgQueryable(new pg.Pool()) // true
 * ```
 */
export function isPgQueryable(value: unknown): value is PgQueryable {
  return typeof (value as PgQueryable | null)?.query === 'function'
}
