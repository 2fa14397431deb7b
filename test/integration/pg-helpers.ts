/**
 * Connections to the test PostgreSQL (127.0.0.1:5432, database `test`, trust auth) and unique
 * table names, so integration tests can run in parallel and clean up after themselves.
 *
 * @module
 */
import { randomBytes } from 'node:crypto'
import { userInfo } from 'node:os'
import pg from 'pg'

const HOST = process.env.PGHOST ?? '127.0.0.1'
const PORT = Number(process.env.PGPORT ?? 5432)
const DATABASE = process.env.PGDATABASE ?? 'test'

let user: string | undefined

function poolFor(name: string, max = 10): pg.Pool {
  return new pg.Pool({
    host: HOST,
    port: PORT,
    database: DATABASE,
    user: name,
    max,
    // Fail fast instead of hanging when the server is down.
    connectionTimeoutMillis: 5_000,
  })
}

async function tryUser(name: string): Promise<unknown> {
  const pool = poolFor(name, 1)
  try {
    await pool.query('SELECT 1')
    return undefined
  } catch (error) {
    return error
  } finally {
    await pool.end()
  }
}

/** A pool on the test database; throws a clear error when PostgreSQL cannot be reached. */
export async function openPool(max = 10): Promise<pg.Pool> {
  if (user === undefined) {
    const candidates = [...new Set([process.env.PGUSER, 'postgres', userInfo().username])]
    const errors: string[] = []
    for (const candidate of candidates) {
      if (candidate === undefined) continue
      const error = await tryUser(candidate)
      if (error === undefined) {
        user = candidate
        break
      }
      errors.push(`${candidate}: ${(error as Error).message}`)
    }
    if (user === undefined) {
      throw new Error(
        `PostgreSQL is unreachable at ${HOST}:${PORT}, database "${DATABASE}" (${errors.join('; ')}). ` +
          'Start it (.ci/run does) or set PGHOST/PGPORT/PGUSER/PGDATABASE.',
      )
    }
  }
  return poolFor(user, max)
}

/** A fresh table name for one test. */
export function uniqueTable(prefix: string): string {
  return `${prefix}_${randomBytes(6).toString('hex')}`
}

/** Drops tables created by a test. */
export async function dropTables(pool: pg.Pool, tables: Iterable<string>): Promise<void> {
  for (const table of tables) await pool.query(`DROP TABLE IF EXISTS "${table}"`)
}
