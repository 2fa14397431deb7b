/**
 * Issue 8, point 1: following the rotation procedure never loses a value. A stale instance —
 * loaded before the rotation, not refreshed since — writes throughout the whole procedure
 * (rotate, refresh, re-encrypt, usage report, retire). Every value it managed to write must still
 * decrypt at the end; what it could not write was refused with a coded error. 0.1.0 retired the
 * key as soon as a report showed zero, and the stale instance went on sealing with it.
 *
 * The keyring starts as the 0.1.0 fixture (so the same test runs against 0.1.0). Only `Date` is
 * faked, to jump over the minutes the procedure waits; PostgreSQL and timers are real.
 */
import type pg from 'pg'
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { createFieldseal, type Fieldseal } from '../../src/core/fieldseal.js'
import { keyUsage } from '../../src/migrate/key-usage.js'
import { openKeyring, type Keyring } from '../../src/keyring/keyring.js'
import { PostgresKeyStore } from '../../src/keyring/stores/postgres-store.js'
import type { KeyringDocument, KeyStore } from '../../src/keyring/types.js'
import { reencryptTable } from '../../src/migrate/reencrypt-table.js'
import { fixture } from '../helpers/fixtures.js'
import { dropTables, openPool, uniqueTable } from './pg-helpers.js'

const legacy = fixture<{ masterKey: string; document: KeyringDocument }>('keyring-0.1.0.json')
let pool: pg.Pool
const tables = new Set<string>()
let open: Keyring[] = []

beforeAll(async () => {
  pool = await openPool(6)
})
afterEach(async () => {
  vi.useRealTimers()
  for (const keyring of open) await keyring.close().catch(() => undefined)
  open = []
})
afterAll(async () => {
  await dropTables(pool, tables)
  await pool.end()
})

/** A writer of customer rows: each value sealed by `fs` and inserted, or the code that refused it. */
function writer(fs: Fieldseal, data: string) {
  let next = 0
  const written: string[] = []
  const refused: string[] = []
  return {
    written,
    refused,
    async write(count: number) {
      for (let i = 0; i < count; i++) {
        const ssn = `${data}-${next++}`
        let sealed: string
        try {
          sealed = fs.encryptField(ssn, { context: 'ssn' }) as string
        } catch (error) {
          refused.push((error as { code: string }).code)
          continue
        }
        await pool.query(`INSERT INTO "${data}" (ssn) VALUES ($1)`, [sealed])
        written.push(ssn)
      }
    },
  }
}

async function setUp(options: { staleCanReload: boolean }) {
  const keyrings = uniqueTable('fs_keyring')
  const data = uniqueTable('fs_customers')
  tables.add(keyrings).add(data)
  await pool.query(`CREATE TABLE "${data}" (id bigserial PRIMARY KEY, ssn text NOT NULL)`)
  await new PostgresKeyStore(pool, { table: keyrings }).load() // creates the table
  await pool.query(
    `INSERT INTO "${keyrings}" (name, revision, document) VALUES ('default', $1, $2)`,
    [legacy.document.revision, JSON.stringify(legacy.document)],
  )
  const base = { masterKey: legacy.masterKey, env: {}, init: false }
  // The stale instance: default refresh timer (which will not fire during the test) and, in one
  // variant, a key store it cannot reach after the rotation.
  let reachable = true
  const inner = new PostgresKeyStore(pool, { table: keyrings })
  const flaky: KeyStore = {
    load: () =>
      reachable
        ? inner.load()
        : Promise.reject(Object.assign(new Error('connection reset'), { code: 'ECONNRESET' })),
    save: (doc, expected) => inner.save(doc, expected),
  }
  const stale = await openKeyring({ ...base, store: flaky, onRefreshError: () => undefined })
  const app = await openKeyring({
    ...base,
    store: new PostgresKeyStore(pool, { table: keyrings }),
    refreshIntervalMs: 0,
  })
  open.push(stale, app)
  const fs = {
    stale: createFieldseal({ keyring: stale, fields: ['ssn'] }),
    app: createFieldseal({ keyring: app, fields: ['ssn'] }),
  }
  return {
    data,
    keyrings,
    stale,
    app,
    fs,
    staleWriter: writer(fs.stale, data),
    appWriter: writer(fs.app, data),
    cutOff: () => void (reachable = options.staleCanReload),
  }
}

async function rows(data: string): Promise<Array<{ ssn: string }>> {
  return (await pool.query(`SELECT ssn FROM "${data}" ORDER BY id`)).rows
}

describe.each([
  ['cannot reload at all (store unreachable, or a master key it no longer has)', false],
  ['simply has not refreshed yet', true],
])(
  'retiring a rotated-out key while a stale instance %s keeps writing',
  (_label, staleCanReload) => {
    it('every value the stale instance wrote still decrypts at the end, or the procedure refused', async () => {
      vi.useFakeTimers({ toFake: ['Date'] })
      vi.setSystemTime(new Date())
      const t = await setUp({ staleCanReload })
      const { app, staleWriter, appWriter } = t
      await staleWriter.write(5)
      await appWriter.write(5)
      const old = app.encryptionKey().kid

      // The procedure as 0.1.0's README gave it, with the stale instance writing between steps.
      await app.manager.rotateKey('data', { rotatedBy: 'ops' })
      t.cutOff()
      await app.refresh()
      await staleWriter.write(5)
      await appWriter.write(5)
      await reencryptTable(t.fs.app, pool, { table: t.data, columns: ['ssn'] })
      const usage = await keyUsage(t.fs.app, await rows(t.data))
      expect(usage.byKid[old]).toBeUndefined()
      await staleWriter.write(5) // after the report: 0.1.0 lost these
      const retired = await app.manager.retireKey(old, { usage }).then(
        () => true,
        (error: { code?: string; message?: string }) => {
          expect(error).toMatchObject({
            code: 'ERR_FIELDSEAL_KEY_IN_USE',
            message: expect.stringContaining('Wait until'),
          })
          return false
        },
      )
      await staleWriter.write(5)

      if (!retired) {
        // What the procedure says now: wait until the key is drained, then re-encrypt, report, retire.
        const drained = app.manager.drainedAt(old) as string
        vi.setSystemTime(Date.parse(drained) + 1_000)
        // Meanwhile the stale instance's timer fires: a reload, which succeeds or not.
        await t.stale.refresh().catch(() => undefined)
        await staleWriter.write(5)
        await app.refresh()
        await reencryptTable(t.fs.app, pool, { table: t.data, columns: ['ssn'] })
        const after = await keyUsage(t.fs.app, await rows(t.data))
        expect(after.byKid[old]).toBeUndefined()
        await app.manager.retireKey(old, { usage: after })
        await staleWriter.write(5)
        await appWriter.write(5)
      }

      // Every value written, by either instance, decrypts for a fresh reader.
      const store = new PostgresKeyStore(pool, { table: t.keyrings })
      const reader = await openKeyring({
        masterKey: legacy.masterKey,
        env: {},
        init: false,
        refreshIntervalMs: 0,
        store,
      })
      open.push(reader)
      const readerFs = createFieldseal({ keyring: reader, fields: ['ssn'] })
      const opened: string[] = []
      const lost: string[] = []
      for (const { ssn } of await rows(t.data)) {
        try {
          opened.push(readerFs.decryptField(ssn, { context: 'ssn' }) as string)
        } catch (error) {
          lost.push((error as { code: string }).code)
        }
      }
      expect(lost).toEqual([])
      expect(opened.sort()).toEqual([...staleWriter.written, ...appWriter.written].sort())
      // Nothing the stale instance wrote went under the key after it was drained; what it could not
      // write was refused, loudly: 10 when it could not reload, none when it could.
      expect(staleWriter.refused).toEqual(
        staleCanReload ? [] : Array(10).fill('ERR_FIELDSEAL_KEYRING_STALE'),
      )
    })
  },
)
