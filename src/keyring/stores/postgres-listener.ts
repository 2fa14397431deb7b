/**
 * `LISTEN` for a `PostgresKeyStore`: one connection of the pool held for the notices that saves
 * send, so running keyrings reload the moment another instance rotates. A lost connection (a
 * server restart, a failover, `pg_terminate_backend`) is reported and replaced, with backoff; after
 * every (re)connection the keyring reloads once, since notices sent meanwhile are gone. The timer
 * of the keyring keeps reloading in any case.
 *
 * @module
 */
import { FieldsealError } from '../../errors.js'
import type { PgConnection, PgPool } from '../../postgres/sql.js'
import type { StoreWatch, StoreWatcher } from '../types.js'

/** A pool connection as `pg` lends it: an event emitter too. */
interface ListeningConnection extends PgConnection {
  on(event: string, listener: (...args: never[]) => void): unknown
  removeAllListeners(event?: string): unknown
}

const FIRST_RETRY_MS = 100
const LAST_RETRY_MS = 5_000

/**
 * Listens on `channel` with a connection of `pool`, for `watcher`.
 *
 * @example
 * ```ts
 * const running = listenForSaves(pool, 'fieldseal_3f…', { onChange: reload, onError: warn })
 * await running.close()
 * ```
 */
export function listenForSaves(pool: unknown, channel: string, watcher: StoreWatcher): StoreWatch {
  if (typeof (pool as Partial<PgPool> | null)?.connect !== 'function') {
    watcher.onError(
      new FieldsealError(
        'ERR_FIELDSEAL_INVALID_OPTION',
        'PostgresKeyStore: listening for rotations needs a pg.Pool (it holds one connection for ' +
          'LISTEN); with this client, rotations reach running keyrings at their refresh interval',
      ),
    )
    return { close: async () => undefined }
  }
  const source = pool as PgPool
  let connection: ListeningConnection | undefined
  let retry: NodeJS.Timeout | undefined
  let delay = FIRST_RETRY_MS
  let closed = false

  const lost = (held: ListeningConnection, error: unknown) => {
    if (connection !== held) return // reported already ('error' and 'end' both come)
    connection = undefined
    held.removeAllListeners('notification')
    held.release(error instanceof Error ? error : true)
    if (closed) return
    watcher.onError(error)
    schedule()
  }

  const schedule = () => {
    retry = setTimeout(() => void connect(), delay)
    retry.unref()
    delay = Math.min(delay * 2, LAST_RETRY_MS)
  }

  async function connect(): Promise<void> {
    let held: ListeningConnection | undefined
    try {
      held = (await source.connect()) as ListeningConnection
      if (closed) {
        held.release()
        return
      }
      connection = held
      const mine = held
      held.on('notification', (message: { channel?: string }) => {
        if (message.channel === channel) watcher.onChange()
      })
      held.on('error', (error: unknown) => lost(mine, error))
      held.on('end', () => lost(mine, new Error('the LISTEN connection ended')))
      await held.query(`LISTEN "${channel}"`)
      delay = FIRST_RETRY_MS
      watcher.onChange()
    } catch (error) {
      if (held !== undefined && connection === held) lost(held, error)
      else if (!closed) {
        watcher.onError(error)
        schedule()
      }
    }
  }

  void connect()
  return {
    async close() {
      closed = true
      clearTimeout(retry)
      const held = connection
      connection = undefined
      if (held === undefined) return
      held.removeAllListeners('notification')
      try {
        await held.query(`UNLISTEN "${channel}"`)
        held.release()
      } catch (error) {
        held.release(error instanceof Error ? error : true)
      }
    },
  }
}
