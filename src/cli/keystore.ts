/**
 * Opening the key store a command names: `--store PATH` (a JSON file), `--store postgres://…`
 * (a PostgreSQL table, through the optional `pg` package, loaded only then), or the location in
 * `FIELDSEAL_KEYSTORE`. Connection strings are never printed: they may hold a password.
 *
 * @module
 */
import { userInfo } from 'node:os'
import {
  FileKeyStore,
  KEYSTORE_ENV_VAR,
  PostgresKeyStore,
  type KeyStore,
} from '../keyring/index.js'
import { stringFlag, type CommandContext } from './command.js'
import { StoreUnavailableError, UsageError } from './exit-codes.js'
import { isShowable, secretsOf } from './redact.js'

/** Help text of the flags that choose a key store and its master key. */
export const STORE_FLAGS: Readonly<Record<string, string>> = {
  store: `key store: a JSON file, or a postgres:// URL (default: $${KEYSTORE_ENV_VAR})`,
  master:
    'where the master key is: env, passphrase, pkcs11:<URI>, aws-kms:<key>, vault-transit:[<mount>/]<key> (default: $FIELDSEAL_MASTER_PROVIDER, else env or passphrase)',
  'master-key-file': 'read the master key (base64) from FILE, not $FIELDSEAL_MASTER_KEY',
  'passphrase-file': 'read the master passphrase from FILE, not $FIELDSEAL_MASTER_PASSPHRASE',
  'pg-table': 'PostgreSQL table holding keyrings (default: fieldseal_keyring)',
  'keyring-name': 'keyring name within that table (default: default)',
}

/** An open key store and how to name it in messages. */
export interface OpenedStore {
  readonly store: KeyStore
  /** The file path, or `postgres://host/db` without credentials. */
  readonly label: string
  close(): Promise<void>
}

const POSTGRES_URL = /^postgres(ql)?:\/\//i

/**
 * Whether a key store is named at all (flag or environment), without opening it.
 *
 * @example
 * ```ts
 * if (storeNamed(context)) await openStore(context)
 * ```
 */
export function storeNamed(context: CommandContext): boolean {
  return (stringFlag(context, 'store') ?? context.io.env[KEYSTORE_ENV_VAR] ?? '').trim() !== ''
}

function postgresLabel(location: string): string {
  try {
    const url = new URL(location)
    return `${url.protocol}//${url.host}${url.pathname}`
  } catch {
    return 'postgres://(unparsable URL)'
  }
}

async function openPostgres(context: CommandContext, location: string): Promise<OpenedStore> {
  const label = postgresLabel(location)
  let pg: typeof import('pg').default
  try {
    pg = (await import('pg')).default
  } catch (error) {
    throw new StoreUnavailableError(
      'a postgres:// key store needs the "pg" package (npm install pg)',
      error,
    )
  }
  const pool = new pg.Pool({ connectionString: location, max: 2, connectionTimeoutMillis: 10_000 })
  // An idle connection dropping must not crash the CLI; the next query reports the failure.
  pool.on('error', () => undefined)
  try {
    await pool.query('SELECT 1')
  } catch (error) {
    await pool.end().catch(() => undefined)
    const reason = error instanceof Error ? error.message : 'connection failed'
    throw new StoreUnavailableError(`cannot reach the key store at ${label}: ${reason}`, error)
  }
  const table = stringFlag(context, 'pg-table')
  const name = stringFlag(context, 'keyring-name')
  try {
    const store = new PostgresKeyStore(pool, {
      ...(table === undefined ? {} : { table }),
      ...(name === undefined ? {} : { name }),
    })
    return { store, label, close: () => pool.end() }
  } catch (error) {
    await pool.end().catch(() => undefined)
    throw error
  }
}

/**
 * Opens the key store named by `--store` or `FIELDSEAL_KEYSTORE`.
 *
 * @example
 * ```ts
 * const { store, label, close } = await openStore(context)
 * ```
 */
export async function openStore(context: CommandContext): Promise<OpenedStore> {
  const location = (stringFlag(context, 'store') ?? context.io.env[KEYSTORE_ENV_VAR] ?? '').trim()
  if (location === '') {
    throw new UsageError(
      `no key store: pass --store PATH or set ${KEYSTORE_ENV_VAR}`,
      context.command,
    )
  }
  if (POSTGRES_URL.test(location)) return openPostgres(context, location)
  for (const flag of ['pg-table', 'keyring-name']) {
    if (context.flags.has(flag)) {
      throw new UsageError(`--${flag} applies to a postgres:// store only`, context.command)
    }
  }
  const store = new FileKeyStore(location)
  return { store, label: store.path, close: async () => undefined }
}

/**
 * Who the audit trail names for a change: `--by NAME`, else `cli:<login name>`.
 *
 * @example
 * ```ts
 * actorOf(context) // 'cli:alice'
 * ```
 */
export function actorOf(context: CommandContext): string {
  const by = stringFlag(context, 'by')
  if (by !== undefined) {
    // The actor is stored in the keyring and its audit events for good: never a pasted secret.
    if (!isShowable(by, secretsOf(context.io.env))) {
      throw new UsageError(
        '--by looks like key material or a secret, not a name; nothing was changed',
        context.command,
      )
    }
    return by
  }
  try {
    return `cli:${userInfo().username}`
  } catch {
    return 'cli'
  }
}
