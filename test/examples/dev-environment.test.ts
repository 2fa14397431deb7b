import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import request from 'supertest'
import { afterEach, describe, expect, it } from 'vitest'
import { createApp as createExpressApp } from '../../examples/express/app.js'
import { createApp as createKoaApp } from '../../examples/koa/app.js'
import { CustomerStore } from '../../examples/shared/database.js'
import { openDevEnvironment, type DevEnvironment } from '../../examples/shared/dev-environment.js'
import { AesGcmCipher } from '../../src/crypto/aes-gcm.js'
import { ADA, ADMIN_TOKEN } from './customers-suite.js'

const folders: string[] = []
const opened: DevEnvironment[] = []
afterEach(async () => {
  for (const env of opened.splice(0)) await env.close()
  for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true })
})

function dataFolder(): string {
  const folder = mkdtempSync(join(tmpdir(), 'fieldseal-demo-'))
  folders.push(folder)
  return folder
}

async function open(environment: Record<string, string>): Promise<DevEnvironment> {
  const env = await openDevEnvironment(environment, { log: () => undefined })
  opened.push(env)
  return env
}

async function close(env: DevEnvironment): Promise<void> {
  opened.splice(opened.indexOf(env), 1)
  await env.close()
}

const mode = (file: string) => statSync(file).mode & 0o777

describe('demo start-up (openDevEnvironment)', () => {
  it('generates development keys on first start (mode 0600) and reuses them afterwards', async () => {
    const dir = dataFolder()
    const first = await open({ FIELDSEAL_DEMO_DATA: dir })
    expect(first.masterKeySource).toBe('development file')
    expect(first.generated.map((file) => file.slice(dir.length + 1)).sort()).toEqual([
      'dev-only-blind-index-key',
      'dev-only-master-key',
    ])
    for (const name of ['dev-only-master-key', 'dev-only-blind-index-key', 'keyring.json']) {
      expect(mode(join(dir, name)), name).toBe(0o600)
    }
    expect(readFileSync(join(dir, 'README.txt'), 'utf8')).toMatch(/DEVELOPMENT ONLY master key/)
    const kid = first.keyring.encryptionKey().kid
    const app = createExpressApp({
      db: first.db,
      fieldseal: first.fieldseal,
    })
    const { body } = await request(app).post('/customers').send(ADA).expect(201)
    await close(first)

    const second = await open({ FIELDSEAL_DEMO_DATA: dir })
    expect(second.generated).toEqual([])
    expect(second.keyring.encryptionKey().kid).toBe(kid)
    const again = createExpressApp({
      db: second.db,
      fieldseal: second.fieldseal,
      adminToken: ADMIN_TOKEN,
    })
    const full = await request(again)
      .get(`/customers/${body.id}`)
      .set('Authorization', `Bearer ${ADMIN_TOKEN}`)
    expect(full.body.ssn).toBe(ADA.ssn)
    const found = await request(again).get('/customers').query({ email: ADA.email })
    expect(found.body.customers).toHaveLength(1)
  })

  it('takes the master key from FIELDSEAL_MASTER_KEY and refuses to open with another one', async () => {
    const dir = dataFolder()
    const masterKey = AesGcmCipher.generateKey().toString('base64')
    const env = await open({ FIELDSEAL_DEMO_DATA: dir, FIELDSEAL_MASTER_KEY: masterKey })
    expect(env.masterKeySource).toBe('environment')
    expect(env.generated.map((file) => file.slice(dir.length + 1))).toEqual([
      'dev-only-blind-index-key',
    ])
    await close(env)
    const other = AesGcmCipher.generateKey().toString('base64')
    await expect(
      open({ FIELDSEAL_DEMO_DATA: dir, FIELDSEAL_MASTER_KEY: other }),
    ).rejects.toMatchObject({
      code: 'ERR_FIELDSEAL_WRONG_MASTER_KEY',
    })
  })

  it('lets the Koa app read what the Express app wrote (one database, one keyring)', async () => {
    const env = await open({ FIELDSEAL_DEMO_DATA: dataFolder() })
    const options = {
      db: env.db,
      fieldseal: env.fieldseal,
      adminToken: ADMIN_TOKEN,
    }
    const { body } = await request(createExpressApp(options))
      .post('/customers')
      .send(ADA)
      .expect(201)
    const koa = createKoaApp(options).callback()
    const full = await request(koa)
      .get(`/customers/${body.id}`)
      .set('Authorization', `Bearer ${ADMIN_TOKEN}`)
    expect(full.body).toMatchObject({ ssn: ADA.ssn, email: ADA.email })
    const found = await request(koa).get('/customers').query({ email: ADA.email })
    expect(found.body.customers.map((c: { id: number }) => c.id)).toEqual([body.id])
  })
})

describe('customers store', () => {
  it('refuses to store plaintext in a sensitive column, in code and in the schema', async () => {
    const env = await open({ FIELDSEAL_DEMO_DATA: dataFolder() })
    const store = new CustomerStore(env.db)
    expect(() => store.insert({ name: 'x', ssn: '078-05-1120' })).toThrow(/not encrypted/)
    expect(() => store.insert({ name: 'x', card_number: 4111111111111111 })).toThrow(
      /not encrypted/,
    )
    expect(() => store.insert({ name: 'x', ssn: 'enc:AAAA' })).toThrow(/not encrypted/)
    expect(() =>
      env.db
        .prepare('INSERT INTO customers (name, email) VALUES (?, ?)')
        .run('x', 'ada@example.com'),
    ).toThrow(/CHECK constraint failed/)
    expect(env.db.prepare('SELECT count(*) AS n FROM customers').get()).toEqual({ n: 0 })
  })
})
