/**
 * The SQL of `PostgresKeyStore`: the table, its race-free creation, and the compare-and-set saves
 * that also notify listeners (`pg_notify` in the same statement, so a notice goes out exactly when
 * a save commits). Only validated, quoted identifiers are spliced in; values are parameters.
 *
 * @module
 */
import { createHash } from 'node:crypto'

/**
 * `CREATE TABLE IF NOT EXISTS` for a keyring table (`quotedTable` already quoted).
 *
 * @example
 * ```ts
 * createTableStatement('"fieldseal_keyring"')
 * ```
 */
export function createTableStatement(quotedTable: string): string {
  return `CREATE TABLE IF NOT EXISTS ${quotedTable} (
  name text PRIMARY KEY,
  revision bigint NOT NULL CHECK (revision > 0),
  document jsonb NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
)`
}

/**
 * Creation in one statement (one transaction, whatever connection of a pool runs it): only when
 * the table is missing, and then under a transaction-scoped advisory lock, so instances starting
 * together on an empty database create it one after the other.
 *
 * @example
 * ```ts
 * await pool.query(createUnderLockStatement('"fieldseal_keyring"'))
 * ```
 */
export function createUnderLockStatement(quotedTable: string): string {
  const literal = `'${quotedTable}'` // validated identifiers: letters, digits and _ only
  return `DO $fieldseal$
BEGIN
  IF to_regclass(${literal}) IS NULL THEN
    PERFORM pg_advisory_xact_lock(hashtext('fieldseal:create:' || ${literal}));
    ${createTableStatement(quotedTable).replace(/\n/g, '\n    ')};
  END IF;
END
$fieldseal$`
}

/**
 * The notification channel of one keyring (table and name): an identifier of its own, whatever
 * the length of the names, so listeners of other keyrings are not woken.
 *
 * @example
 * ```ts
 * channelOf('"fieldseal_keyring"', 'default') // 'fieldseal_3f…'
 * ```
 */
export function channelOf(quotedTable: string, name: string): string {
  const digest = createHash('sha256').update(`${quotedTable}\0${name}`).digest('hex')
  return `fieldseal_${digest.slice(0, 24)}`
}

/**
 * The first save (`$1` name, `$2` revision, `$3` document, `$4` channel): inserts the row unless
 * one exists, and notifies if it did. One row back means it was saved.
 *
 * @example
 * ```ts
 * const { rowCount } = await pool.query(insertStatement(table), [name, 1, json, channel])
 * ```
 */
export function insertStatement(quotedTable: string): string {
  return `WITH saved AS (
  INSERT INTO ${quotedTable} (name, revision, document) VALUES ($1, $2, $3::jsonb)
  ON CONFLICT (name) DO NOTHING RETURNING revision
) SELECT pg_notify($4, revision::text) FROM saved`
}

/**
 * A later save (`$1` name, `$2` expected revision, `$3` new revision, `$4` document, `$5`
 * channel): updates the row only if it still holds the expected revision, and notifies if so.
 *
 * @example
 * ```ts
 * const { rowCount } = await pool.query(updateStatement(table), [name, 7, 8, json, channel])
 * ```
 */
export function updateStatement(quotedTable: string): string {
  return `WITH saved AS (
  UPDATE ${quotedTable} SET revision = $3, document = $4::jsonb, updated_at = now()
  WHERE name = $1 AND revision = $2 RETURNING revision
) SELECT pg_notify($5, revision::text) FROM saved`
}
