/**
 * The behaviour every adapter must show, identically: run by express.test.ts and koa.test.ts
 * against each framework version and body parser.
 *
 * @module
 */
import { randomBytes } from 'node:crypto'
import request from 'supertest'
import { describe, expect, it } from 'vitest'
import { AesGcmCipher } from '../../src/crypto/aes-gcm.js'
import { blindIndex } from '../../src/blind-index/blind-index.js'
import type { FieldsealEvent } from '../../src/core/events.js'
import { createFieldseal } from '../../src/core/fieldseal.js'
import type { FieldsealOptions } from '../../src/core/options.js'
import type { ResponseMaskOptions } from '../../src/http/http-options.js'
import type { AppFactory, AppSpec, HandlerInput, Reply, RouteSpec } from './harness.js'

export const SSN = '123-45-6789'
export const CARD = '4111111111111111'
export const EMAIL = 'ann.lee@example.com'

export const newKey = () => randomBytes(32).toString('base64')

/** A fieldseal instance with a fresh key. */
export function makeFs(options: FieldsealOptions = {}) {
  return createFieldseal({ keys: [newKey()], ...options })
}

/** A route that records what its handler saw and pushes the body to an in-memory "db". */
export function recorder(
  reply: (input: HandlerInput) => Reply = () => ({ status: 201, json: { ok: true } }),
) {
  const seen: HandlerInput[] = []
  const db: any[] = []
  const route = (
    method: RouteSpec['method'] = 'post',
    path = '/x',
    mask?: RouteSpec['mask'],
  ): RouteSpec => ({
    method,
    path,
    ...(mask === undefined ? {} : { mask }),
    handler: (input) => {
      seen.push(input)
      db.push(input.body)
      return reply(input)
    },
  })
  return { seen, db, route }
}

/** Asserts an RFC 9457 problem answer with the given code, and returns its body. */
export function expectProblem(
  response: request.Response,
  status: number,
  code: string,
  path?: string,
) {
  expect(response.status).toBe(status)
  expect(response.headers['content-type']).toMatch(/^application\/problem\+json/)
  const body = JSON.parse(response.text)
  expect(body).toMatchObject({ type: 'about:blank', status, code })
  expect(typeof body.title).toBe('string')
  expect(typeof body.detail).toBe('string')
  if (path !== undefined) expect(body.path).toBe(path)
  return body
}

export function behaviourSuite(name: string, createApp: AppFactory): void {
  const app = (spec: AppSpec) => createApp(spec)
  const post = (spec: AppSpec, body: unknown, path = '/x') =>
    request(app(spec).server)
      .post(path)
      .send(body as object)

  describe(`${name}: inbound decryption`, () => {
    it('decrypts enc: values at the configured encrypted paths, by default', async () => {
      const fs = makeFs({ fields: ['ssn', 'cards[*].number'] })
      const { seen, db, route } = recorder()
      const body = {
        ssn: fs.encryptField(SSN, { context: 'ssn' }),
        cards: [{ number: fs.encryptField(CARD, { context: 'number' }) }],
      }
      await post({ fs, routes: [route()] }, body).expect(201)
      expect(seen[0]?.fieldseal?.plaintext).toEqual({ ssn: SSN, cards: [{ number: CARD }] })
      expect(fs.decryptFields(db[0])).toEqual({ ssn: SSN, cards: [{ number: CARD }] })
    })

    it('is no oracle: a ciphertext posted under a path that is not encrypted is refused unopened (400), by default', async () => {
      // The attack: a stolen ciphertext of someone's address, posted as free-form data, to be
      // stored and opened later by whatever reads the record.
      const events: FieldsealEvent[] = []
      const fs = makeFs({ fields: ['customer.address'], onEvent: (event) => events.push(event) })
      const stolen = fs.encryptField('12 Victim Street', { context: 'address' }) as string
      for (const body of [
        { customer: { name: 'Mallory' }, notes: { address: stolen } },
        [{ customer: { address: 'mine' } }, { note: stolen }],
        { address: 'enc:v1:made-up:x' },
      ]) {
        const { seen, db, route } = recorder()
        const response = await post({ fs, routes: [route()] }, body)
        const problem = expectProblem(response, 400, 'ERR_FIELDSEAL_UNEXPECTED_CIPHERTEXT')
        expect(problem.path).toMatch(/notes\.address|\[1\]\.note|^address$/)
        expect(response.text).not.toContain('Victim')
        expect(response.text).not.toContain(stolen)
        expect(seen).toHaveLength(0)
        expect(db).toHaveLength(0)
      }
      // Refused before any decryption: nothing was opened, so nothing was learnt.
      expect(events.filter((event) => event.operation === 'decrypt')).toEqual([])
    })

    it("decrypts everything for req.fieldseal but keeps ciphertext in the handler's body outside encrypted paths [decrypt: 'all']", async () => {
      const fs = makeFs({ fields: ['ssn'] })
      const { seen, db, route } = recorder()
      const note = fs.encryptField('hello', { context: 'note' })
      const code = fs.encryptField(42, { context: 'code' })
      const body = { ssn: SSN, note, nested: { items: [{ code }] } }
      await post({ fs, options: { decrypt: 'all' }, routes: [route()] }, body).expect(201)
      expect(seen[0]?.fieldseal?.plaintext).toEqual({
        ssn: SSN,
        note: 'hello',
        nested: { items: [{ code: 42 }] },
      })
      expect(db[0].note).toBe(note)
      expect(db[0].nested.items[0].code).toBe(code)
      expect(db[0].ssn).toMatch(/^enc:v1:/)
      expect(JSON.stringify(db)).not.toContain('hello')
    })

    it('refuses a value moved to another field (context binding) and the handler does not run', async () => {
      const fs = makeFs()
      const { seen, db, route } = recorder()
      const response = await post(
        { fs, routes: [route()] },
        { ssn: fs.encryptField('x', { context: 'email' }) },
      )
      expectProblem(response, 400, 'ERR_FIELDSEAL_DECRYPT_FAILED', 'ssn')
      expect(seen).toHaveLength(0)
      expect(db).toHaveLength(0)
    })

    it("opens given paths too, for req.fieldseal only [decrypt: ['c']], and nothing [decrypt: false]", async () => {
      const fs = makeFs({ fields: ['a'] })
      const a = fs.encryptField('A', { context: 'a' })
      const c = fs.encryptField('C', { context: 'c' })
      const wide = recorder()
      await post({ fs, options: { decrypt: ['c'] }, routes: [wide.route()] }, { a, c }).expect(201)
      expect(wide.seen[0]?.fieldseal?.plaintext).toEqual({ a: 'A', c: 'C' })
      expect(wide.db[0].c).toBe(c) // not an encrypted path: left sealed in the body
      expect(fs.decryptFields(wide.db[0])).toEqual({ a: 'A', c: 'C' })
      const off = recorder()
      await post({ fs, options: { decrypt: false }, routes: [off.route()] }, { a, c }).expect(201)
      expect(off.seen[0]?.body).toEqual({ a, c })
      expect(off.seen[0]?.fieldseal?.plaintext).toEqual({ a, c })
    })

    it('handles a top-level array body', async () => {
      const fs = makeFs({ fields: ['[*].ssn'] })
      const { db, seen, route } = recorder()
      await post({ fs, routes: [route()] }, [
        { ssn: SSN },
        { ssn: fs.encryptField(SSN, { context: 'ssn' }) },
      ]).expect(201)
      expect(db[0][0].ssn).toMatch(/^enc:v1:/)
      expect(fs.decryptFields(db[0])).toEqual([{ ssn: SSN }, { ssn: SSN }])
      expect(seen[0]?.fieldseal?.get('[1].ssn')).toBe(SSN)
    })
  })

  describe(`${name}: record binding [binding: (req, path) => tenant]`, () => {
    const fs = makeFs({ fields: ['ssn', 'cards[*].number'] })
    /** The tenant of a request; an application would take it from its authentication. */
    const tenantOf = (req: { headers: Record<string, unknown> }) =>
      `tenant:${req.headers['x-tenant']}`
    const binding = (req: any) => tenantOf(req)
    const postAs = (tenant: string, spec: Omit<AppSpec, 'fs'>, body: unknown) =>
      request(app({ fs, ...spec }).server)
        .post('/x')
        .set('X-Tenant', tenant)
        .send(body as object)

    it('seals values for the tenant and field: they open with that binding only', async () => {
      const { db, seen, route } = recorder()
      await postAs('A', { options: { binding }, routes: [route()] }, { ssn: SSN }).expect(201)
      expect(seen[0]?.fieldseal?.get('ssn')).toBe(SSN)
      expect(fs.decryptFields(db[0], undefined, { binding: 'tenant:A' })).toEqual({ ssn: SSN })
      expect(fs.decryptField(db[0].ssn, { context: 'ssn', binding: 'tenant:A' })).toBe(SSN)
      for (const other of [{}, { binding: 'tenant:B' }]) {
        expect(() => fs.decryptFields(db[0], undefined, other)).toThrow(
          expect.objectContaining({ code: 'ERR_FIELDSEAL_DECRYPT_FAILED', path: 'ssn' }),
        )
      }
    })

    it("refuses another tenant's ciphertext posted as one's own (400), and the handler does not run", async () => {
      const victim = fs.encryptFields({ ssn: SSN }, undefined, { binding: 'tenant:A' })
      const { seen, db, route } = recorder()
      const response = await postAs('B', { options: { binding }, routes: [route()] }, victim)
      expectProblem(response, 400, 'ERR_FIELDSEAL_DECRYPT_FAILED', 'ssn')
      expect(response.text).not.toContain(SSN)
      expect(seen).toHaveLength(0)
      expect(db).toHaveLength(0)
    })

    it("opens a response for the request's tenant only: another tenant's row fails closed (500)", async () => {
      const row = fs.encryptFields({ ssn: SSN }, undefined, { binding: 'tenant:A' })
      const route: RouteSpec = {
        method: 'get',
        path: '/x',
        mask: { decrypt: true, rules: { ssn: 'ssn' } },
        handler: () => ({ json: row }),
      }
      const get = (tenant: string) => {
        const built = app({ fs, options: { binding }, routes: [route] })
        return { built, response: request(built.server).get('/x').set('X-Tenant', tenant) }
      }
      const own = get('A')
      expect((await own.response).body).toEqual({ ssn: '*******6789' })
      const foreign = get('B')
      const response = await foreign.response
      expect(response.status).toBe(500)
      expect(response.text).not.toContain('6789')
      expect(response.text).not.toContain(row.ssn)
      expect(foreign.built.errors).toEqual([
        expect.objectContaining({ code: 'ERR_FIELDSEAL_RESPONSE_FAILED', path: 'ssn' }),
      ])
    })

    it('calls the binding with the request and the path of each value', async () => {
      const calls: Array<[string, string]> = []
      const { route } = recorder()
      const recording = (req: any, path: string) => {
        calls.push([tenantOf(req), path])
        return tenantOf(req)
      }
      await postAs(
        'A',
        { options: { binding: recording }, routes: [route()] },
        { ssn: SSN, cards: [{ number: CARD }] },
      ).expect(201)
      expect(calls).toEqual([
        ['tenant:A', 'ssn'],
        ['tenant:A', 'cards[0].number'],
      ])
    })

    it('fails closed when the binding throws or gives no usable string (500, handler not run)', async () => {
      const bad: Array<(req: any, path: string) => unknown> = [
        () => {
          throw new Error('no tenant')
        },
        () => '',
        () => undefined,
        () => 'tenant\u0000A',
        () => '\uD800',
      ]
      for (const broken of bad) {
        const { seen, db, route } = recorder()
        const built = app({ fs, options: { binding: broken as never }, routes: [route()] })
        const response = await request(built.server).post('/x').send({ ssn: SSN })
        expect(response.status).toBe(500)
        expect(response.text).not.toContain(SSN)
        expect(seen).toHaveLength(0)
        expect(db).toHaveLength(0)
      }
    })
  })

  describe(`${name}: encryption before persistence`, () => {
    it('gives the handler ciphertext to persist and the plaintext through the accessor', async () => {
      const fs = makeFs({ fields: ['ssn', 'cards[*].number'] })
      const { seen, db, route } = recorder()
      const customer = { name: 'Ann', ssn: SSN, cards: [{ number: CARD, label: 'main' }] }
      await post({ fs, routes: [route()] }, customer).expect(201)
      expect(db[0].name).toBe('Ann')
      expect(db[0].ssn).toMatch(/^enc:v1:/)
      expect(db[0].cards[0].number).toMatch(/^enc:v1:/)
      expect(db[0].cards[0].label).toBe('main')
      expect(JSON.stringify(db)).not.toContain(SSN)
      expect(JSON.stringify(db)).not.toContain(CARD)
      expect(fs.decryptFields(db[0])).toEqual(customer)
      expect(seen[0]?.fieldseal?.plaintext).toEqual(customer)
      expect(seen[0]?.fieldseal?.get('ssn')).toBe(SSN)
      expect(seen[0]?.fieldseal?.get('cards[0].number')).toBe(CARD)
    })

    it("encrypts a bare field name at any depth, as in the quick start's bulk route", async () => {
      const indexKey = newKey()
      const fs = makeFs({
        fields: ['ssn', 'card', { path: 'email', blindIndex: true }],
        blindIndexKey: indexKey,
      })
      const { seen, db, route } = recorder()
      const bulk = [
        { ssn: '078-05-1120', card: CARD, email: EMAIL },
        { name: 'b', contact: { email: 'b@example.com' } },
      ]
      await post(
        { fs, routes: [route('post', '/customers/bulk')] },
        bulk,
        '/customers/bulk',
      ).expect(201)
      const stored = JSON.stringify(db)
      for (const secret of ['078-05-1120', CARD, EMAIL, 'b@example.com']) {
        expect(stored).not.toContain(secret)
      }
      expect(db[0][0].email_bidx).toBe(blindIndex(indexKey, EMAIL, 'email'))
      expect(db[0][1].contact.email_bidx).toBe(blindIndex(indexKey, 'b@example.com', 'email'))
      expect(seen[0]?.fieldseal?.plaintext).toEqual(bulk)
    })

    it('refuses with 400 a field spelt like an encrypted one that would stay plaintext ({"SSN": …})', async () => {
      const fs = makeFs({ fields: ['ssn', 'card'] })
      for (const body of [{ SSN: SSN }, [{ name: 'a', Card: CARD }], { ssn: SSN, s_s_n: SSN }]) {
        const { seen, db, route } = recorder()
        const response = await post({ fs, routes: [route()] }, body)
        const problem = expectProblem(response, 400, 'ERR_FIELDSEAL_FIELD_VARIANT')
        expect(response.text).not.toContain(SSN)
        expect(response.text).not.toContain(CARD)
        expect(problem.path).toMatch(/SSN|Card|s_s_n/)
        expect(seen).toHaveLength(0)
        expect(db).toHaveLength(0)
      }
    })

    it('re-encrypts a value the client sent encrypted', async () => {
      const fs = makeFs({ fields: ['ssn'] })
      const { seen, db, route } = recorder()
      const sent = fs.encryptField(SSN, { context: 'ssn' })
      await post({ fs, routes: [route()] }, { ssn: sent }).expect(201)
      expect(db[0].ssn).toMatch(/^enc:v1:/)
      expect(fs.decryptFields(db[0])).toEqual({ ssn: SSN })
      expect(seen[0]?.fieldseal?.get('ssn')).toBe(SSN)
    })

    it("encrypts the policy's field names when no fields are configured", async () => {
      const fs = makeFs()
      const { db, route } = recorder()
      await post(
        { fs, routes: [route()] },
        { name: 'Ann', note: 'n', email: EMAIL, ssn: SSN, phone: '555-0100' },
      ).expect(201)
      expect(db[0]).toMatchObject({ name: 'Ann', note: 'n' })
      for (const field of ['email', 'ssn', 'phone']) expect(db[0][field]).toMatch(/^enc:v1:/)
    })

    it("uses the encrypt option instead of the instance's fields [encrypt: ['secret']]", async () => {
      const fs = makeFs({ fields: ['ssn'] })
      const { db, route } = recorder()
      await post(
        { fs, options: { encrypt: ['secret'] }, routes: [route()] },
        { ssn: SSN, secret: 's' },
      ).expect(201)
      expect(db[0].ssn).toBe(SSN)
      expect(db[0].secret).toMatch(/^enc:v1:/)
    })

    it('passes a non-JSON request through untouched', async () => {
      const fs = makeFs({ fields: ['ssn'] })
      const { seen, route } = recorder(() => ({ text: 'ok' }))
      const response = await request(app({ fs, routes: [route()] }).server)
        .post('/x')
        .set('Content-Type', 'text/plain')
        .send(`ssn=${SSN}`)
      expect(response.status).toBe(200)
      expect(seen).toHaveLength(1)
      const get = recorder(() => ({ text: 'ok' }))
      await request(app({ fs, routes: [get.route('get')] }).server)
        .get('/x')
        .expect(200)
      expect(get.seen).toHaveLength(1)
    })
  })

  describe(`${name}: bad input`, () => {
    const fs = makeFs({ fields: ['ssn', 'cards[*].number'] })
    const valid = fs.encryptField(SSN, { context: 'ssn' }) as string
    const payload = valid.slice(valid.lastIndexOf(':') + 1)
    const flipped = valid.slice(0, -2) + (valid.at(-2) === 'A' ? 'B' : 'A') + valid.at(-1)
    const foreign = makeFs().encryptField(SSN, { context: 'ssn' })
    const cases: Array<[string, unknown, string, string]> = [
      ['malformed payload', { ssn: 'enc:v1:kid1:!!notbase64!!' }, 'ERR_FIELDSEAL_MALFORMED', 'ssn'],
      ['unsupported version', { ssn: `enc:v9:kid1:${payload}` }, 'ERR_FIELDSEAL_MALFORMED', 'ssn'],
      ['bad legacy value', { ssn: 'enc:abc' }, 'ERR_FIELDSEAL_MALFORMED', 'ssn'],
      ['tampered value', { ssn: flipped }, 'ERR_FIELDSEAL_DECRYPT_FAILED', 'ssn'],
      ['unknown key id', { ssn: foreign }, 'ERR_FIELDSEAL_UNKNOWN_KEY', 'ssn'],
      [
        'nested bad value',
        { cards: [{ number: 'ok' }, { number: 'enc:v1:k:x' }] },
        'ERR_FIELDSEAL_MALFORMED',
        'cards[1].number',
      ],
    ]
    for (const [label, body, code, path] of cases) {
      it(`answers 400 problem+json for a ${label}, names the path, never the value; the handler does not run`, async () => {
        const { seen, db, route } = recorder()
        const built = app({ fs, routes: [route()] })
        const response = await request(built.server)
          .post('/x')
          .send(body as object)
        const problem = expectProblem(response, 400, code, path)
        expect(Object.keys(problem).sort()).toEqual([
          'code',
          'detail',
          'path',
          'status',
          'title',
          'type',
        ])
        expect(response.text).not.toContain(JSON.stringify(body).slice(10, 30))
        expect(response.text).not.toContain(payload.slice(0, 16))
        expect(seen).toHaveLength(0)
        expect(db).toHaveLength(0)
        expect(built.errors).toHaveLength(0) // answered by the middleware: no error handler needed
      })
    }

    it('answers 400 ERR_FIELDSEAL_LEGACY_FORMAT for a legacy value once legacy reading is off [readLegacy: false]', async () => {
      const key = newKey()
      const legacy = `enc:${new AesGcmCipher(Buffer.from(key, 'base64')).encrypt(SSN).toString('base64')}`
      const { seen, route } = recorder()
      const reading = app({
        fs: createFieldseal({ keys: [key], fields: ['ssn'] }),
        routes: [route()],
      })
      expect((await request(reading.server).post('/x').send({ ssn: legacy })).status).toBe(201)
      expect(seen[0]?.fieldseal?.get('ssn')).toBe(SSN)
      const done = createFieldseal({ keys: [key], fields: ['ssn'], readLegacy: false })
      const refusing = app({ fs: done, routes: [route()] })
      const response = await request(refusing.server).post('/x').send({ ssn: legacy })
      expectProblem(response, 400, 'ERR_FIELDSEAL_LEGACY_FORMAT', 'ssn')
      expect(response.text).not.toContain(legacy.slice(4, 24))
      expect(seen).toHaveLength(1)
    })

    it('refuses a field name with a lone surrogate as a context with 400, both ways', async () => {
      // 0.1.0 bound "\uD800" and "\uFFFD" alike: a value sealed under one opened under the other.
      const anyField = makeFs({ fields: ['meta.*'] })
      const sealed = anyField.encryptField(SSN, { context: '\ufffd' })
      const { seen, route } = recorder()
      const spec = { fs: anyField, options: { decrypt: ['meta.*'] }, routes: [route()] }
      const opened = await post(spec, { meta: { '\ud800': sealed } })
      expectProblem(opened, 400, 'ERR_FIELDSEAL_UNSUPPORTED_VALUE', 'meta["\\ud800"]')
      const encrypted = await post(spec, { meta: { '\udfff': SSN } })
      expectProblem(encrypted, 400, 'ERR_FIELDSEAL_UNSUPPORTED_VALUE', 'meta["\\udfff"]')
      expect(seen).toHaveLength(0)
    })

    it('refuses a body nested deeper than maxDepth with 400 [maxDepth: 5]', async () => {
      const shallow = makeFs({ maxDepth: 5 })
      let deep: unknown = { leaf: 1 }
      for (let i = 0; i < 10; i++) deep = { a: deep }
      for (const options of [{}, { decrypt: ['x'] }, { decrypt: false as const }]) {
        const { seen, route } = recorder()
        const response = await post({ fs: shallow, options, routes: [route()] }, deep)
        expectProblem(response, 400, 'ERR_FIELDSEAL_TOO_DEEP')
        expect(seen).toHaveLength(0)
      }
    })

    it('refuses more encrypted values than maxFields with 413, inbound and for encryption [maxFields: 3]', async () => {
      const small = makeFs({ maxFields: 3, fields: ['items[*]'] })
      const sealed = Array.from({ length: 5 }, () => small.encryptField('v', { context: 'items' }))
      const { seen, route } = recorder()
      expectProblem(
        await post({ fs: small, routes: [route()] }, { items: sealed }),
        413,
        'ERR_FIELDSEAL_TOO_MANY_FIELDS',
      )
      expectProblem(
        await post({ fs: small, routes: [route()] }, { items: ['1', '2', '3', '4'] }),
        413,
        'ERR_FIELDSEAL_TOO_MANY_FIELDS',
      )
      expect(seen).toHaveLength(0)
    })

    it('never lets __proto__, constructor or prototype keys touch a prototype (raw JSON)', async () => {
      const pfs = makeFs({ fields: ['**.ssn'] })
      const { seen, db, route } = recorder((input) => ({ json: input.body }))
      const nested = pfs.encryptField(SSN, { context: 'ssn' })
      const raw = `{"__proto__":{"polluted":"yes","ssn":"${nested}"},"constructor":{"prototype":{"polluted":"yes"}},"prototype":{"polluted":"yes"},"ssn":"${SSN}"}`
      const send = (spec: Partial<AppSpec>) =>
        request(app({ fs: pfs, routes: [route()], ...spec }).server)
          .post('/x')
          .set('Content-Type', 'application/json')
          .send(raw)
      const defaults = await send({})
      expect([200, 400]).toContain(defaults.status) // co-body (Koa) refuses __proto__ itself: fine
      expect(({} as any).polluted).toBeUndefined()
      seen.length = 0
      db.length = 0
      const response = await send({ plainJsonParse: true })
      expect(response.status).toBe(200)
      expect(({} as any).polluted).toBeUndefined()
      expect((Object.prototype as any).polluted).toBeUndefined()
      const stored = db[0]
      expect(Object.getPrototypeOf(stored)).toBe(Object.prototype)
      const own = Object.getOwnPropertyDescriptor(stored, '__proto__')?.value
      expect(own.polluted).toBe('yes')
      expect(own.ssn).toMatch(/^enc:v1:/)
      expect(stored.ssn).toMatch(/^enc:v1:/)
      expect(stored.polluted).toBeUndefined()
      const plaintext = seen[0]?.fieldseal?.plaintext as any
      expect(Object.getOwnPropertyDescriptor(plaintext, '__proto__')?.value.ssn).toBe(SSN)
      expect(() => seen[0]?.fieldseal?.get('__proto__.ssn')).toThrow(
        expect.objectContaining({ code: 'ERR_FIELDSEAL_INVALID_PATH' }),
      )
      expect(JSON.parse(response.text).ssn).toBe('[REDACTED]')
    })

    it('answers a loud 500 ERR_FIELDSEAL_BODY_NOT_PARSED when mounted before the body parser', async () => {
      const { seen, route } = recorder()
      const built = app({
        fs: makeFs({ fields: ['ssn'] }),
        fieldsealBeforeParser: true,
        routes: [route()],
      })
      const response = await request(built.server).post('/x').send({ ssn: SSN })
      expect(response.status).toBe(500)
      expect(built.errors).toEqual([
        expect.objectContaining({
          code: 'ERR_FIELDSEAL_BODY_NOT_PARSED',
          status: 500,
          expose: false,
        }),
      ])
      expect(seen).toHaveLength(0)
    })
  })

  describe(`${name}: the body parser's failures and unparsed bodies`, () => {
    const fs = makeFs({ fields: ['ssn'] })
    const secret = '999-00-1011'

    it('answers malformed JSON with problem+json, never the body, and passes nothing on to be logged [errorHandler()]', async () => {
      const reported: unknown[] = []
      const { seen, route } = recorder()
      const built = app({
        fs,
        routes: [route()],
        withErrorHandler: { onError: (error) => reported.push(error) },
      })
      for (const raw of [`{"name":"x","ssn":"${secret}",`, `{"ssn":"${secret}"x}`]) {
        const response = await request(built.server)
          .post('/x')
          .set('Content-Type', 'application/json')
          .send(raw)
        expectProblem(response, 400, 'ERR_FIELDSEAL_BODY_MALFORMED')
        expect(response.text).not.toContain(secret)
      }
      expect(seen).toHaveLength(0)
      expect(built.errors).toEqual([]) // nothing reached the app's error path (or its logger)
      expect(reported).toEqual([
        expect.objectContaining({ code: 'ERR_FIELDSEAL_BODY_MALFORMED', status: 400 }),
        expect.objectContaining({ code: 'ERR_FIELDSEAL_BODY_MALFORMED', status: 400 }),
      ])
      for (const error of reported) {
        expect((error as Error).cause).toBeUndefined()
        expect(JSON.stringify(error)).not.toContain(secret)
        expect(String((error as Error).stack)).not.toContain(secret)
      }
    })

    it('answers a body over the parser limit with 413 problem+json [errorHandler(), jsonLimit: 1kb]', async () => {
      const { seen, route } = recorder()
      const built = app({ fs, routes: [route()], withErrorHandler: true, jsonLimit: '1kb' })
      const response = await request(built.server)
        .post('/x')
        .send({ ssn: secret, pad: 'x'.repeat(4096) })
      expectProblem(response, 413, 'ERR_FIELDSEAL_BODY_TOO_LARGE')
      expect(response.text).not.toContain(secret)
      expect(seen).toHaveLength(0)
      expect(built.errors).toEqual([])
    })

    it('refuses a JSON body no parser read (500 ERR_FIELDSEAL_BODY_NOT_PARSED), whatever the framework leaves in the body', async () => {
      const { seen, route } = recorder()
      const built = app({ fs, routes: [route()] })
      const response = await request(built.server)
        .post('/x')
        .set('Content-Type', 'application/x-custom+json')
        .send(JSON.stringify({ ssn: secret }))
      expect(response.status).toBe(500)
      expect(response.text).not.toContain(secret)
      expect(seen).toHaveLength(0)
      expect(built.errors).toEqual([
        expect.objectContaining({ code: 'ERR_FIELDSEAL_BODY_NOT_PARSED' }),
      ])
    })
  })

  describe(`${name}: responses`, () => {
    const fs = makeFs({ fields: ['ssn', 'card', 'email'] })
    const row = () => fs.encryptFields({ id: 7, name: 'Ann', ssn: SSN, card: CARD, email: EMAIL })
    const get = (spec: Omit<AppSpec, 'fs'>, path = '/x') =>
      request(app({ fs, ...spec }).server).get(path)
    const handler =
      (reply: Reply): RouteSpec['handler'] =>
      () =>
        reply

    it('replaces enc: values by the censor by default, so ciphertext never leaves [res.json and res.send]', async () => {
      for (const kind of ['json', 'send'] as const) {
        const response = await get({
          routes: [{ method: 'get', path: '/x', handler: handler({ [kind]: row() }) }],
        }).expect(200)
        expect(response.body).toEqual({
          id: 7,
          name: 'Ann',
          ssn: '[REDACTED]',
          card: '[REDACTED]',
          email: '[REDACTED]',
        })
        expect(response.headers['content-type']).toMatch(/^application\/json/)
      }
    })

    it('lets ciphertext pass when response processing is off [mask: false]', async () => {
      const stored = row()
      const response = await get({
        options: { mask: false },
        routes: [{ method: 'get', path: '/x', handler: handler({ json: stored }) }],
      })
      expect(response.body).toEqual(stored)
    })

    it('decrypts before masking where the route allows it, so masks show the real last four', async () => {
      const route: RouteSpec = {
        method: 'get',
        path: '/x',
        mask: { decrypt: true, rules: { ssn: 'ssn', card: 'card' } },
        handler: handler({ json: row() }),
      }
      const response = await get({ routes: [route] }).expect(200)
      expect(response.body).toEqual({
        id: 7,
        name: 'Ann',
        ssn: '*******6789',
        card: '************1111',
        email: EMAIL,
      })
    })

    it('censors ciphertext whole at a rule path where the route may not decrypt', async () => {
      const route: RouteSpec = {
        method: 'get',
        path: '/x',
        mask: { rules: { ssn: 'ssn' } },
        handler: handler({ json: row() }),
      }
      const response = await get({ routes: [route] })
      expect(response.body.ssn).toBe('[REDACTED]')
    })

    it("returns revealed fields decrypted in full, over the app's rules and detection", async () => {
      const route: RouteSpec = {
        method: 'get',
        path: '/x',
        mask: { reveal: ['ssn', 'card'] },
        handler: handler({ json: { ...row(), other: '4242424242424242' } }),
      }
      const options = {
        mask: { rules: { '**.ssn': 'ssn' as const, '**.card': 'card' as const }, detect: true },
      }
      const response = await get({ options, routes: [route] }).expect(200)
      expect(response.body).toEqual({
        id: 7,
        name: 'Ann',
        ssn: SSN,
        card: CARD,
        email: '[REDACTED]',
        other: '************4242',
      })
    })

    it("adds a route's mask to the app's instead of replacing it", async () => {
      const route: RouteSpec = {
        method: 'get',
        path: '/x',
        mask: { decrypt: true, rules: { ssn: 'ssn' } },
        handler: handler({ json: [row(), row()] }),
      }
      const response = await get({
        options: { mask: { rules: { '[*].email': 'email' } } },
        routes: [route],
      }).expect(200)
      for (const item of response.body) {
        expect(item.email).not.toBe(EMAIL)
        expect(item.email).toMatch(/^a\*+e@example\.com$/)
        expect(item.ssn).toBe('*******6789') // a bare name in a rule masks at any depth
      }
    })

    it("never mutates the handler's object", async () => {
      const stored = { customer: row(), list: [row()] }
      const snapshot = structuredClone(stored)
      const route: RouteSpec = {
        method: 'get',
        path: '/x',
        mask: { decrypt: true, rules: { 'customer.ssn': 'ssn' }, reveal: ['list[*].card'] },
        handler: handler({ json: stored }),
      }
      const response = await get({
        options: { mask: { paths: ['**.name'] } },
        routes: [route],
      }).expect(200)
      expect(response.body.customer).toMatchObject({ ssn: '*******6789', name: '[REDACTED]' })
      expect(response.body.list[0]).toMatchObject({ card: CARD, ssn: SSN })
      expect(stored).toEqual(snapshot)
    })

    it('passes strings, buffers and streams through untouched', async () => {
      const sealed = fs.encryptField(SSN, { context: 'ssn' })
      const text = JSON.stringify({ ssn: sealed })
      const mask = { decrypt: true, rules: { ssn: 'ssn' as const } }
      const replies: Reply[] = [
        { text, type: 'text/plain' },
        { buffer: Buffer.from(text), type: 'application/octet-stream' },
        { stream: text, type: 'text/plain' },
      ]
      for (const reply of replies) {
        const response = await get({
          routes: [{ method: 'get', path: '/x', mask, handler: handler(reply) }],
        })
          .buffer(true)
          .parse((res, done) => {
            const chunks: Buffer[] = []
            res.on('data', (chunk: Buffer) => chunks.push(chunk))
            res.on('end', () => done(null, Buffer.concat(chunks).toString()))
          })
        expect(response.status).toBe(200)
        expect(response.body).toBe(text)
      }
    })

    it('answers 500 ERR_FIELDSEAL_RESPONSE_FAILED when a stored value cannot be decrypted', async () => {
      const broken = { ssn: makeFs().encryptField(SSN, { context: 'ssn' }) }
      const built = app({
        fs,
        routes: [
          {
            method: 'get',
            path: '/x',
            mask: { decrypt: true },
            handler: handler({ json: broken }),
          },
        ],
      })
      const response = await request(built.server).get('/x')
      expect(response.status).toBe(500)
      expect(built.errors).toEqual([
        expect.objectContaining({ code: 'ERR_FIELDSEAL_RESPONSE_FAILED', path: 'ssn' }),
      ])
      expect((built.errors[0] as Error).cause).toMatchObject({ code: 'ERR_FIELDSEAL_UNKNOWN_KEY' })
    })

    it('refuses mask() without the fieldseal middleware (500 ERR_FIELDSEAL_INVALID_OPTION)', async () => {
      const built = app({
        fs,
        withoutFieldseal: true,
        routes: [{ method: 'get', path: '/x', mask: {}, handler: handler({ json: row() }) }],
      })
      const response = await request(built.server).get('/x')
      expect(response.status).toBe(500)
      expect(response.text).not.toContain('enc:')
      expect(built.errors).toEqual([
        expect.objectContaining({ code: 'ERR_FIELDSEAL_INVALID_OPTION' }),
      ])
    })
  })

  describe(`${name}: responses are masked as the client receives them`, () => {
    const fs = makeFs({ fields: ['ssn', 'card'] })
    const sealedRow = () => fs.encryptFields({ id: 7, name: 'Ann', ssn: SSN, card: CARD })
    /** An ORM-style entity: a class instance whose fields hold what the database returned. */
    class Customer {
      id: number
      ssn: unknown
      card: unknown
      constructor(row: Record<string, unknown>) {
        this.id = row.id as number
        this.ssn = row.ssn
        this.card = row.card
      }
    }
    /** A Sequelize-style model: state in dataValues, the JSON form from toJSON(). */
    class Model {
      constructor(readonly dataValues: Record<string, unknown>) {}
      toJSON() {
        return { ...this.dataValues }
      }
    }
    const shapes: Array<[string, () => unknown]> = [
      ['an array of class instances', () => [new Customer(sealedRow()), new Customer(sealedRow())]],
      ['{ data: entity }', () => ({ data: new Customer(sealedRow()) })],
      ['a model with toJSON, nested', () => ({ page: 1, items: [new Model(sealedRow())] })],
      [
        'a toJSON returning an object with its own toJSON',
        () => ({
          data: {
            toJSON: () => ({
              ...sealedRow(),
              // JSON.stringify never calls this one: the client gets the fields above
              toJSON: () => ({ leaked: 'nothing to see' }),
            }),
          },
        }),
      ],
      ['a class instance at the top', () => new Model(sealedRow())],
      [
        'a null-prototype object',
        () => ({ data: Object.assign(Object.create(null), sealedRow()) }),
      ],
    ]
    const masks: Array<[string, ResponseMaskOptions | undefined]> = [
      ['default: ciphertext censored', undefined],
      ['decrypt + rules', { decrypt: true, rules: { '**.ssn': 'ssn', '**.card': 'card' } }],
    ]
    for (const [shape, body] of shapes) {
      for (const [label, mask] of masks) {
        it(`sends no enc: value and no unmasked value for ${shape} [${label}]`, async () => {
          const route: RouteSpec = {
            method: 'get',
            path: '/x',
            ...(mask === undefined ? {} : { mask }),
            handler: () => ({ json: body() }),
          }
          const response = await request(app({ fs, routes: [route] }).server).get('/x')
          expect(response.status).toBe(200)
          expect(response.text).not.toContain('enc:')
          expect(response.text).not.toContain(SSN)
          expect(response.text).not.toContain(CARD)
          if (mask !== undefined) expect(response.text).toContain('*******6789')
          else expect(response.text).toContain('[REDACTED]')
        })
      }
    }

    it('censors a body whose JSON form is one enc: string', async () => {
      const sealed = fs.encryptField(SSN, { context: 'ssn' })
      const route: RouteSpec = {
        method: 'get',
        path: '/x',
        handler: () => ({ json: { toJSON: () => sealed } }),
      }
      const response = await request(app({ fs, routes: [route] }).server).get('/x')
      expect(response.status).toBe(200)
      expect(JSON.parse(response.text)).toBe('[REDACTED]')
    })

    it('applies a rule to the JSON form of a value (a Date is masked as its ISO text)', async () => {
      const route: RouteSpec = {
        method: 'get',
        path: '/x',
        mask: { rules: { '**.born': 'last4' } },
        handler: () => ({ json: [{ born: new Date('1990-01-02T03:04:05.678Z') }] }),
      }
      const response = await request(app({ fs, routes: [route] }).server).get('/x')
      expect(response.body).toEqual([{ born: '********************678Z' }])
    })
  })

  describe(`${name}: blind index`, () => {
    const indexKey = newKey()
    const fs = makeFs({
      fields: [
        { path: 'ssn', blindIndex: true },
        { path: 'people[*].ssn', blindIndex: true },
      ],
      blindIndexKey: indexKey,
    })

    it('writes a keyed HMAC of the normalised value beside the field, drops client-sent indexes', async () => {
      const { db, seen, route } = recorder()
      const spec = { fs, routes: [route()] }
      await post(spec, {
        ssn: SSN,
        people: [{ ssn: '123 45 6789' }, { name: 'no ssn', ssn_bidx: 'forged' }],
      }).expect(201)
      const expected = blindIndex(indexKey, '123456789', 'ssn')
      expect(db[0].ssn_bidx).toBe(expected)
      expect(db[0].people[0].ssn_bidx).toBe(expected)
      expect(db[0].people[1]).toEqual({ name: 'no ssn' })
      expect(fs.blindIndex(SSN, 'ssn')).toBe(expected)
      expect(seen[0]?.fieldseal?.plaintext).not.toHaveProperty('ssn_bidx')
    })

    it('uses the configured suffix [blindIndexSuffix: "Index"]', async () => {
      const { db, route } = recorder()
      await post(
        { fs, options: { blindIndexSuffix: 'Index' }, routes: [route()] },
        { ssn: SSN },
      ).expect(201)
      expect(db[0].ssnIndex).toBe(blindIndex(indexKey, SSN, 'ssn'))
    })

    it('answers 413 ERR_FIELDSEAL_VALUE_TOO_LONG for an indexed value over maxIndexedLength, at once', async () => {
      // 0.1.0 spent over ten seconds on this body (a backtracking pattern) and then stored it.
      const { seen, route } = recorder()
      const spec = { fs, routes: [route()] }
      const response = await post(spec, { people: [{ ssn: `${'1'.repeat(90_000)}a` }] })
      expectProblem(response, 413, 'ERR_FIELDSEAL_VALUE_TOO_LONG', 'people[0].ssn')
      expect(seen).toHaveLength(0)
      const long = `${'1'.repeat(90_000)}a`
      const raised = makeFs({
        fields: [{ path: 'ssn', blindIndex: true }],
        maxIndexedLength: 100_000,
        blindIndexKey: indexKey,
      })
      const { db, route: raisedRoute } = recorder()
      await post({ fs: raised, routes: [raisedRoute()] }, { ssn: long }).expect(201)
      expect(db[0].ssn_bidx).toBe(raised.blindIndex(long, 'ssn'))
    })

    it('answers 400 ERR_FIELDSEAL_UNSUPPORTED_VALUE for an indexed value with a lone surrogate', async () => {
      // Two different addresses, "\uD800" and "\uFFFD", shared one index in 0.1.0.
      const { seen, route } = recorder()
      const spec = { fs, routes: [route()] }
      const response = await post(spec, { ssn: 'ann\ud800@example.com' })
      expectProblem(response, 400, 'ERR_FIELDSEAL_UNSUPPORTED_VALUE', 'ssn')
      expect(seen).toHaveLength(0)
    })

    it("binds an index to the request's binding: equal values of two tenants index apart [blindIndex: 'bound']", async () => {
      const bound = makeFs({
        fields: [{ path: 'email', blindIndex: 'bound' }, 'ssn'],
        blindIndexKey: indexKey,
      })
      const binding = (req: any) => `tenant:${req.headers['x-tenant']}`
      const { db, route } = recorder()
      const built = app({
        fs: bound,
        options: { binding },
        routes: [route()],
      })
      for (const tenant of ['A', 'B']) {
        await request(built.server)
          .post('/x')
          .set('X-Tenant', tenant)
          .send({ email: EMAIL })
          .expect(201)
      }
      const [a, b] = db.map((row) => row.email_bidx)
      expect(a).toBe(blindIndex(indexKey, EMAIL, 'email', { binding: 'tenant:A' }))
      expect(b).toBe(blindIndex(indexKey, EMAIL, 'email', { binding: 'tenant:B' }))
      expect(a).not.toBe(b)
      expect(a).not.toBe(blindIndex(indexKey, EMAIL, 'email'))
      expect(() => app({ fs: bound, routes: [] })).toThrow(
        expect.objectContaining({ code: 'ERR_FIELDSEAL_INVALID_OPTION' }),
      )
    })

    it("refuses to start when the instance has no blind-index key for the encrypt option's indexed fields (ERR_FIELDSEAL_NO_KEY)", () => {
      const unkeyed = makeFs({ env: {} })
      const encrypt = [{ path: 'ssn', blindIndex: true }]
      expect(() => app({ fs: unkeyed, options: { encrypt }, routes: [] })).toThrow(
        expect.objectContaining({ code: 'ERR_FIELDSEAL_NO_KEY' }),
      )
    })

    it("takes the instance's key only: a key or env given to the middleware is refused, pointing at createFieldseal", () => {
      for (const moved of [{ blindIndexKey: indexKey }, { env: {} }]) {
        expect(() => app({ fs, options: moved as never, routes: [] })).toThrow(
          expect.objectContaining({
            code: 'ERR_FIELDSEAL_INVALID_OPTION',
            message: expect.stringMatching(/option of createFieldseal/),
          }),
        )
      }
    })
  })

  describe(`${name}: configuration`, () => {
    const fs = makeFs()
    it('throws when the middleware is created, with "Did you mean"', () => {
      const bad: Array<[unknown, RegExp]> = [
        [{ decrpyt: 'all' }, /Did you mean "decrypt"/],
        [{ mask: { rulez: {} } }, /Did you mean "rules"/],
        [{ mask: { revael: [] } }, /Did you mean "reveal"/],
        [{ decrypt: 'some' }, /decrypt/],
      ]
      for (const [options, message] of bad) {
        expect(() => app({ fs, options: options as never, routes: [] })).toThrow(
          expect.objectContaining({
            code: 'ERR_FIELDSEAL_INVALID_OPTION',
            message: expect.stringMatching(message),
          }),
        )
      }
      expect(() =>
        app({
          fs,
          routes: [
            { method: 'get', path: '/x', mask: { decrpyt: true } as never, handler: () => ({}) },
          ],
        }),
      ).toThrow(
        expect.objectContaining({
          code: 'ERR_FIELDSEAL_INVALID_OPTION',
          message: expect.stringMatching(/Did you mean "decrypt"/),
        }),
      )
      expect(() =>
        app({
          fs,
          routes: [{ method: 'get', path: '/x', mask: { reveal: ['a..b'] }, handler: () => ({}) }],
        }),
      ).toThrow(expect.objectContaining({ code: 'ERR_FIELDSEAL_INVALID_PATH' }))
    })
  })

  describe(`${name}: audit events`, () => {
    it('reports one event per encryption batch and per decrypt failure, never a value', async () => {
      const events: FieldsealEvent[] = []
      const fs = makeFs({
        fields: ['ssn', 'cards[*].number'],
        onEvent: (event) => events.push(event),
      })
      const { db, route } = recorder()
      const spec = { fs, routes: [route()] }
      const sent = fs.encryptField(SSN, { context: 'ssn' }) as string
      await post(spec, { ssn: sent, cards: [{ number: CARD }] }).expect(201)
      expect(events).toEqual([
        {
          operation: 'encrypt',
          outcome: 'success',
          kid: expect.any(String),
          count: 2,
          paths: ['ssn', 'cards[0].number'],
        },
      ])
      const tampered = sent.slice(0, -2) + (sent.at(-2) === 'A' ? 'B' : 'A') + sent.at(-1)
      await post(spec, { cards: [{ number: tampered }] }).expect(400)
      expect(events.slice(1)).toEqual([
        {
          operation: 'decrypt',
          outcome: 'failure',
          path: 'cards[0].number',
          kid: expect.any(String),
          code: 'ERR_FIELDSEAL_DECRYPT_FAILED',
        },
      ])
      const serialized = JSON.stringify(events)
      for (const secret of [SSN, CARD, sent, tampered, db[0].ssn, db[0].cards[0].number]) {
        expect(serialized).not.toContain(secret)
      }
    })
  })
}
