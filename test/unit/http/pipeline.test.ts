import { randomBytes } from 'node:crypto'
import { describe, expect, expectTypeOf, it } from 'vitest'
import { BLIND_INDEX_KEY_ENV_VAR, blindIndex } from '../../../src/blind-index/blind-index.js'
import type { FieldsealEvent } from '../../../src/core/events.js'
import { createFieldseal } from '../../../src/core/fieldseal.js'
import {
  createHttpPipeline,
  createRouteMask,
  useRouteMask,
  type HttpPipeline,
} from '../../../src/http/pipeline.js'
import type { KeySource } from '../../../src/crypto/key-source.js'
import { staticKeySource } from '../../../src/crypto/static-keys.js'
import { requestThrough, respondThrough } from '../../helpers/pipeline.js'

const SSN = '123-45-6789'
const json = { 'content-type': 'application/json', 'content-length': '10' }
const newKey = () => randomBytes(32).toString('base64')

describe('createHttpPipeline: request', () => {
  it('decrypts, encrypts and hands back the plaintext without mutating the parsed body', async () => {
    const events: FieldsealEvent[] = []
    const fs = createFieldseal({
      keys: [newKey()],
      fields: ['ssn', 'cards[*].number'],
      onEvent: (event) => events.push(event),
    })
    const pipeline = createHttpPipeline(fs)
    const body = Object.freeze({
      ssn: fs.encryptField(SSN, { context: 'ssn' }),
      cards: Object.freeze([Object.freeze({ number: '4111' })]),
    })
    const result = await requestThrough(pipeline, { body, headers: json })
    expect(result.fieldseal.plaintext).toEqual({ ssn: SSN, cards: [{ number: '4111' }] })
    expect(fs.decryptFields(result.body)).toEqual({ ssn: SSN, cards: [{ number: '4111' }] })
    expect(events).toEqual([
      expect.objectContaining({
        operation: 'encrypt',
        paths: ['ssn', 'cards[0].number'],
        count: 2,
      }),
    ])
  })

  it('passes non-JSON bodies and refuses unparsed JSON', async () => {
    const pipeline = createHttpPipeline(createFieldseal({ keys: [newKey()] }))
    const text = await requestThrough(pipeline, {
      body: 'plain',
      headers: { 'content-type': 'text/plain', 'content-length': '5' },
    })
    expect(text.body).toBe('plain')
    expect(text.fieldseal.plaintext).toBe('plain')
    await expect(
      requestThrough(pipeline, { body: undefined, headers: json }),
    ).rejects.toMatchObject({
      code: 'ERR_FIELDSEAL_BODY_NOT_PARSED',
    })
  })

  it('reloads keys once for an unknown key id (a rotation by another instance), inbound and outbound', async () => {
    const oldKey = newKey()
    const rotated = newKey()
    let current = staticKeySource([oldKey])
    let refreshes = 0
    const source: KeySource = {
      encryptionKey: () => current.encryptionKey(),
      decryptionKey: (kid) => current.decryptionKey(kid),
      legacyKeys: () => current.legacyKeys(),
      refresh: async () => {
        refreshes++
        current = staticKeySource([rotated, oldKey])
      },
    }
    const fs = createFieldseal({ keyring: source, fields: ['ssn'] })
    const elsewhere = createFieldseal({ keys: [rotated] })
    const pipeline = createHttpPipeline(fs, { keyRefreshInterval: 0 })
    const result = await requestThrough(pipeline, {
      body: { ssn: elsewhere.encryptField(SSN, { context: 'ssn' }) },
      headers: json,
    })
    expect(result.fieldseal.get('ssn')).toBe(SSN)
    expect(refreshes).toBe(1)
    const third = newKey()
    source.refresh = async () => {
      refreshes++
      current = staticKeySource([third, rotated, oldKey])
    }
    const state = result.fieldseal
    useRouteMask(state, createRouteMask({ decrypt: true }))
    const sealed = createFieldseal({ keys: [third] }).encryptFields({ ssn: SSN })
    await expect(respondThrough(pipeline, sealed, state)).resolves.toEqual({ ssn: SSN })
    expect(refreshes).toBe(2)
  })
})

describe('createHttpPipeline: request, in the same tick', () => {
  it('has one shape: two callback steps, request and respond', () => {
    expectTypeOf<keyof HttpPipeline>().toEqualTypeOf<'request' | 'respond'>()
    const pipeline = createHttpPipeline(createFieldseal({ keys: [newKey()] }))
    expect(Object.keys(pipeline).sort()).toEqual(['request', 'respond'])
  })

  it('calls done in the same tick, or fail once for bad data, never both', () => {
    const fs = createFieldseal({ keys: [newKey()], fields: ['ssn'] })
    const pipeline = createHttpPipeline(fs)
    const calls: Array<[string, unknown]> = []
    const done = (result: unknown) => calls.push(['done', result])
    const fail = (error: unknown) => calls.push(['fail', error])
    pipeline.request({ body: { ssn: SSN }, headers: json }, done, fail)
    expect(calls).toHaveLength(1)
    const [kind, result] = calls[0] as [string, { body: { ssn: string }; fieldseal: any }]
    expect(kind).toBe('done')
    expect(fs.decryptFields(result.body)).toEqual({ ssn: SSN })
    expect(result.fieldseal.get('ssn')).toBe(SSN)
    calls.length = 0
    pipeline.request({ body: { ssn: 'enc:v1:bad' }, headers: json }, done, fail)
    pipeline.request({ body: undefined, headers: json }, done, fail)
    expect(calls).toEqual([
      ['fail', expect.objectContaining({ code: 'ERR_FIELDSEAL_MALFORMED', path: 'ssn' })],
      ['fail', expect.objectContaining({ code: 'ERR_FIELDSEAL_BODY_NOT_PARSED' })],
    ])
  })
})

describe('createHttpPipeline: blind indexes', () => {
  const fields = [{ path: 'ssn', blindIndex: true }]
  it("indexes with the instance's key, read from its env when not given", async () => {
    const indexKey = newKey()
    const env = { [BLIND_INDEX_KEY_ENV_VAR]: indexKey }
    const fs = createFieldseal({ keys: [newKey()], fields, env })
    const { body } = await requestThrough(createHttpPipeline(fs), {
      body: { ssn: SSN },
      headers: json,
    })
    expect((body as any).ssn_bidx).toBe(blindIndex(indexKey, SSN, 'ssn'))
    expect(fs.blindIndex(SSN, 'ssn')).toBe(blindIndex(indexKey, SSN, 'ssn'))
  })

  it('needs a key when the encrypt option asks for an index the instance has none for (ERR_FIELDSEAL_NO_KEY)', () => {
    const fs = createFieldseal({ keys: [newKey()], env: {} })
    expect(() => createHttpPipeline(fs, { encrypt: fields })).toThrow(
      expect.objectContaining({ code: 'ERR_FIELDSEAL_NO_KEY' }),
    )
    expect(() => createHttpPipeline(fs)).not.toThrow()
  })

  it('indexes fields of the encrypt option', async () => {
    const indexKey = newKey()
    const fs = createFieldseal({ keys: [newKey()], blindIndexKey: indexKey })
    const pipeline = createHttpPipeline(fs, { encrypt: [{ path: 'tax_id', blindIndex: true }] })
    const { body } = await requestThrough(pipeline, { body: { tax_id: '12-345' }, headers: json })
    expect((body as any).tax_id_bidx).toBe(blindIndex(indexKey, '12345', 'tax_id'))
    expect((body as any).tax_id).toMatch(/^enc:v1:/)
  })
})

describe('createHttpPipeline: respond', () => {
  const fs = createFieldseal({ keys: [newKey()], fields: ['ssn'] })
  const sealed = fs.encryptFields({ ssn: SSN })

  it('sends in the same tick, the body itself when there is nothing to do', () => {
    const off = createHttpPipeline(fs, { mask: false })
    let sent: unknown
    off.respond(
      sealed,
      undefined,
      (body) => (sent = body),
      () => {},
    )
    expect(sent).toBe(sealed)
    const on = createHttpPipeline(fs)
    on.respond(
      'text',
      undefined,
      (body) => (sent = body),
      () => {},
    )
    expect(sent).toBe('text')
    on.respond(
      sealed,
      undefined,
      (body) => (sent = body),
      () => {},
    )
    expect(sent).toEqual({ ssn: '[REDACTED]' })
  })

  it('wraps response failures in ERR_FIELDSEAL_RESPONSE_FAILED (500) with the cause, path and key id', async () => {
    const pipeline = createHttpPipeline(fs, { mask: { decrypt: true } })
    const foreign = createFieldseal({ keys: [newKey()], fields: ['ssn'] }).encryptFields({
      ssn: SSN,
    })
    const failure = await respondThrough(pipeline, foreign, undefined).catch(
      (error: unknown) => error,
    )
    expect(failure).toMatchObject({
      code: 'ERR_FIELDSEAL_RESPONSE_FAILED',
      status: 500,
      path: 'ssn',
      kid: expect.any(String),
    })
    expect((failure as Error).cause).toMatchObject({ code: 'ERR_FIELDSEAL_UNKNOWN_KEY' })
  })

  it('uses a route mask only for the request it was set on', async () => {
    const pipeline = createHttpPipeline(fs)
    const json = { 'content-type': 'application/json', 'content-length': '2' }
    const first = (await requestThrough(pipeline, { body: {}, headers: json })).fieldseal
    const second = (await requestThrough(pipeline, { body: {}, headers: json })).fieldseal
    useRouteMask(first, createRouteMask({ reveal: ['ssn'] }))
    await expect(respondThrough(pipeline, sealed, first)).resolves.toEqual({ ssn: SSN })
    await expect(respondThrough(pipeline, sealed, second)).resolves.toEqual({ ssn: '[REDACTED]' })
  })

  it('refuses a route mask without the middleware state', () => {
    expect(() => useRouteMask(undefined, createRouteMask())).toThrow(
      expect.objectContaining({ code: 'ERR_FIELDSEAL_INVALID_OPTION' }),
    )
    expect(() => useRouteMask({ plaintext: 1, get: () => 1 }, createRouteMask())).toThrow(
      expect.objectContaining({ code: 'ERR_FIELDSEAL_INVALID_OPTION' }),
    )
  })
})
