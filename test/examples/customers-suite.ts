/**
 * One test suite for the customers API examples, run against the Express app and the Koa app:
 * it drives the API with supertest and then reads the SQLite database directly (rows and file
 * bytes) to prove that no sensitive plaintext was stored.
 *
 * @module
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import request from 'supertest'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { SENSITIVE_COLUMNS } from '../../examples/shared/customer-fields.js'
import { openDevEnvironment, type DevEnvironment } from '../../examples/shared/dev-environment.js'

/** What supertest is handed: an Express app or a Koa `app.callback()`. */
export type Server = Parameters<typeof request>[0]

/** Builds the example's server on an environment. */
export type ServerFactory = (env: DevEnvironment, adminToken: string) => Server

export const ADMIN_TOKEN = 'test-admin-token'

export const ADA = {
  name: 'Ada Lovelace',
  ssn: '078-05-1120',
  card_number: '4111 1111 1111 1111',
  bank_account_number: '000123456789',
  email: 'ada.lovelace@example.com',
  phone_number: '+1 (555) 010-0199',
  address: '12 St James Square, London',
}

const GRACE = { name: 'Grace Hopper', ssn: '219-09-9999', email: 'grace@example.com' }

/** Every sensitive plaintext the tests send, in the forms it could be stored in. */
const SECRETS = [
  ADA.ssn,
  '078051120',
  ADA.card_number,
  '4111111111111111',
  ADA.bank_account_number,
  ADA.email,
  ADA.phone_number,
  '5550100199',
  ADA.address,
  'St James',
  GRACE.ssn,
  GRACE.email,
]

/** Same-length tamper: one base64url character of the ciphertext changed. */
export function tamper(value: string): string {
  const at = value.length - 8
  return value.slice(0, at) + (value[at] === 'A' ? 'B' : 'A') + value.slice(at + 1)
}

/** The suite, for one framework. */
export function customersSuite(framework: string, createServer: ServerFactory): void {
  describe(`${framework} customers example`, () => {
    let dataDir: string
    let env: DevEnvironment
    let server: Server
    let audit: string[]

    beforeEach(async () => {
      dataDir = mkdtempSync(join(tmpdir(), 'fieldseal-example-'))
      audit = []
      env = await openDevEnvironment(
        { FIELDSEAL_DEMO_DATA: dataDir },
        { log: (line) => audit.push(line) },
      )
      server = createServer(env, ADMIN_TOKEN)
    })
    afterEach(async () => {
      await env.close()
      rmSync(dataDir, { recursive: true, force: true })
    })

    const rowCount = () =>
      (env.db.prepare('SELECT count(*) AS n FROM customers').get() as { n: number }).n

    /** The database as another process sees it: WAL folded in, then every file's bytes. */
    function databaseBytes(): Buffer {
      env.db.pragma('wal_checkpoint(TRUNCATE)')
      const files = readdirSync(dataDir).filter((name) => name.startsWith('customers.db'))
      expect(files).toContain('customers.db')
      return Buffer.concat(files.map((name) => readFileSync(join(dataDir, name))))
    }

    it('POST stores the customer encrypted and answers with the masked record', async () => {
      const response = await request(server).post('/customers').send(ADA).expect(201)
      expect(response.headers.location).toBe(`/customers/${response.body.id}`)
      expect(response.body).toMatchObject({
        name: 'Ada Lovelace',
        ssn: '*******1120',
        card_number: '***************1111',
        bank_account_number: '********6789',
        email: 'a**********e@example.com',
        phone_number: '*******0199',
        address: '[REDACTED]',
      })
      expect(response.text).not.toContain('enc:')
      for (const secret of SECRETS) expect(response.text).not.toContain(secret)
    })

    it('leaves only enc:v1: values in the sensitive columns and no plaintext in the file', async () => {
      await request(server).post('/customers').send(ADA).expect(201)
      await request(server).post('/customers').send(GRACE).expect(201)

      const file = join(dataDir, 'customers.db')
      const reader = new Database(file, { readonly: true })
      const rows = reader.prepare('SELECT * FROM customers ORDER BY id').all() as Record<
        string,
        unknown
      >[]
      reader.close()
      expect(rows).toHaveLength(2)
      for (const row of rows) {
        for (const column of SENSITIVE_COLUMNS) {
          if (row[column] !== null)
            expect(row[column]).toMatch(/^enc:v1:[A-Za-z0-9_-]{1,64}:[A-Za-z0-9_-]+$/)
        }
        expect(row.email_bidx).toMatch(/^[A-Za-z0-9_-]{43}$/)
      }
      expect(rows[1]).toMatchObject({ card_number: null, address: null })

      const bytes = databaseBytes()
      // The scan finds what is stored in clear, so its silence about the secrets means something.
      expect(bytes.includes('Grace Hopper')).toBe(true)
      for (const secret of SECRETS) expect(bytes.includes(secret), secret).toBe(false)
    })

    it('GET /customers lists every customer masked', async () => {
      await request(server).post('/customers').send(ADA).expect(201)
      await request(server).post('/customers').send(GRACE).expect(201)
      const response = await request(server).get('/customers').expect(200)
      expect(response.headers['cache-control']).toBe('no-store')
      expect(response.body.customers).toHaveLength(2)
      expect(response.body.customers[1]).toMatchObject({
        name: 'Grace Hopper',
        ssn: '*******9999',
        email: 'g***e@example.com',
        card_number: null,
        address: null,
      })
      expect(response.text).not.toContain('enc:')
      for (const secret of SECRETS) expect(response.text).not.toContain(secret)
    })

    it('GET /customers?email= finds a customer by blind index, whatever the case', async () => {
      await request(server).post('/customers').send(ADA).expect(201)
      await request(server).post('/customers').send(GRACE).expect(201)
      const found = await request(server)
        .get('/customers')
        .query({ email: ' GRACE@Example.com ' })
        .expect(200)
      expect(found.body.customers.map((c: { name: string }) => c.name)).toEqual(['Grace Hopper'])
      const none = await request(server)
        .get('/customers')
        .query({ email: 'nobody@example.com' })
        .expect(200)
      expect(none.body.customers).toEqual([])
    })

    it('GET /customers/:id is masked without the admin token and in full with it', async () => {
      const { body } = await request(server).post('/customers').send(ADA).expect(201)
      const path = `/customers/${body.id}`
      for (const authorization of [
        undefined,
        'Bearer wrong-token',
        `Basic ${ADMIN_TOKEN}`,
        ADMIN_TOKEN,
      ]) {
        const call = request(server).get(path)
        if (authorization !== undefined) void call.set('Authorization', authorization)
        const masked = await call.expect(200)
        expect(masked.body).toMatchObject({
          ssn: '*******1120',
          email: 'a**********e@example.com',
          address: '[REDACTED]',
        })
      }
      const full = await request(server)
        .get(path)
        .set('Authorization', `Bearer ${ADMIN_TOKEN}`)
        .expect(200)
      expect(full.headers.vary).toMatch(/Authorization/i)
      expect(full.body).toEqual({
        id: body.id,
        name: ADA.name,
        ssn: ADA.ssn,
        card_number: '***************1111', // never shown in full, not even to an admin
        bank_account_number: ADA.bank_account_number,
        email: ADA.email,
        phone_number: ADA.phone_number,
        address: ADA.address,
        created_at: body.created_at,
      })
    })

    it('answers an unknown or malformed id with 404 problem+json', async () => {
      for (const id of ['999', 'abc', '0', '1e3']) {
        const response = await request(server).get(`/customers/${id}`).expect(404)
        expect(response.headers['content-type']).toMatch(/^application\/problem\+json/)
        expect(response.body).toMatchObject({ status: 404, title: 'Not Found' })
      }
    })

    it('refuses a tampered enc: value with 400 problem+json naming the field, and stores nothing', async () => {
      const sealed = String(env.fieldseal.encryptField(GRACE.ssn, { context: 'ssn' }))
      const forged = tamper(sealed)
      const response = await request(server)
        .post('/customers')
        .send({ ...GRACE, ssn: forged })
        .expect(400)
      expect(response.headers['content-type']).toMatch(/^application\/problem\+json/)
      expect(response.body).toMatchObject({
        type: 'about:blank',
        status: 400,
        code: 'ERR_FIELDSEAL_DECRYPT_FAILED',
        path: 'ssn',
      })
      expect(response.text).not.toContain(forged.split(':')[3])
      expect(response.text).not.toContain(GRACE.email)
      expect(rowCount()).toBe(0)
      // The audit hook reported the failure: where and which key, never the value.
      expect(audit).toHaveLength(1)
      expect(JSON.parse(audit[0]!.replace('[fieldseal audit] ', ''))).toEqual({
        operation: 'decrypt',
        outcome: 'failure',
        path: 'ssn',
        kid: sealed.split(':')[2],
        code: 'ERR_FIELDSEAL_DECRYPT_FAILED',
      })
    })

    it('refuses a value sealed for another field (moved ciphertext) with 400', async () => {
      const sealedAsEmail = String(env.fieldseal.encryptField('219-09-9999', { context: 'email' }))
      const response = await request(server)
        .post('/customers')
        .send({ ...GRACE, ssn: sealedAsEmail })
        .expect(400)
      expect(response.body).toMatchObject({ code: 'ERR_FIELDSEAL_DECRYPT_FAILED', path: 'ssn' })
      expect(rowCount()).toBe(0)
    })

    it('accepts a client-side enc: value: decrypted for validation, stored re-encrypted', async () => {
      const sealed = String(env.fieldseal.encryptField(GRACE.ssn, { context: 'ssn' }))
      const { body } = await request(server)
        .post('/customers')
        .send({ ...GRACE, ssn: sealed })
        .expect(201)
      const stored = env.db.prepare('SELECT ssn FROM customers WHERE id = ?').get(body.id) as {
        ssn: string
      }
      expect(stored.ssn).toMatch(/^enc:v1:/)
      expect(stored.ssn).not.toBe(sealed) // a fresh nonce: the handler stored the middleware's output
      const full = await request(server)
        .get(`/customers/${body.id}`)
        .set('Authorization', `Bearer ${ADMIN_TOKEN}`)
        .expect(200)
      expect(full.body.ssn).toBe(GRACE.ssn)
    })

    it('validates the plaintext and answers 422 without values, storing nothing', async () => {
      const response = await request(server)
        .post('/customers')
        .send({
          name: 'Mallory',
          ssn: '12-345',
          email: 'mallory@example.com',
          card_number: '4111111111111112',
        })
        .expect(422)
      expect(response.body.errors.map((e: { field: string }) => e.field)).toEqual([
        'ssn',
        'card_number',
      ])
      expect(response.text).not.toContain('12-345')
      expect(response.text).not.toContain('4111111111111112')
      await request(server).post('/customers').send([ADA]).expect(422)
      expect(rowCount()).toBe(0)
    })

    it('keeps working after a key rotation: old rows read, new rows use the new key', async () => {
      const first = await request(server).post('/customers').send(ADA).expect(201)
      const oldKid = env.keyring.encryptionKey().kid
      const next = await env.keyring.manager.rotateKey('data', { rotatedBy: 'test' })
      const second = await request(server).post('/customers').send(GRACE).expect(201)
      const kids = (
        env.db.prepare('SELECT ssn FROM customers ORDER BY id').all() as { ssn: string }[]
      ).map((row) => row.ssn.split(':')[2])
      expect(kids).toEqual([oldKid, next.id])
      for (const id of [first.body.id, second.body.id]) {
        const full = await request(server)
          .get(`/customers/${id}`)
          .set('Authorization', `Bearer ${ADMIN_TOKEN}`)
          .expect(200)
        expect(full.body.ssn).toMatch(/^\d{3}-\d{2}-\d{4}$/)
      }
    })
  })
}
