import Fastify, { type FastifyInstance } from 'fastify'
import request from 'supertest'
import { describe, expect, expectTypeOf, it } from 'vitest'
import { errorHandler, fieldseal, mask, type FieldsealRequest } from '../../adapters/fastify.js'
import { createFieldseal } from '../../src/core/fieldseal.js'
import type { KeySource } from '../../src/crypto/key-source.js'
import { staticKeySource } from '../../src/crypto/static-keys.js'
import { FieldsealError } from '../../src/errors.js'
import { behaviourSuite, CARD, expectProblem, makeFs, newKey, SSN } from './behaviour.js'
import { fastifyApp } from './harness.js'

behaviourSuite('Fastify 5', fastifyApp)

/** A ready app's server, for supertest. */
async function served(app: FastifyInstance) {
  await app.ready()
  return app.server
}

describe('Fastify 5: adapter specifics', () => {
  it('returns named hooks and a plugin that applies to the instance it is registered on', () => {
    const sealer = makeFs()
    const plugin = fieldseal(sealer)
    expect(plugin.name).toBe('fieldsealPlugin')
    expect((plugin as unknown as Record<symbol, unknown>)[Symbol.for('skip-override')]).toBe(true)
    expect(mask().name).toBe('maskMiddleware')
    expect(errorHandler().name).toBe('fieldsealErrorHandler')
  })

  it('encrypts before an async handler and masks what it returns, with a response schema too', async () => {
    const sealer = makeFs({ fields: ['ssn', 'card'] })
    const stored: unknown[] = []
    const app = Fastify()
    app.register(
      fieldseal(sealer, { mask: { decrypt: true, rules: { ssn: 'ssn', card: 'card' } } }),
    )
    app.post('/customers', async (req) => {
      stored.push(req.body)
      return req.body
    })
    const schema = {
      response: {
        200: {
          type: 'object',
          properties: { ssn: { type: 'string' }, card: { type: 'string' } },
        },
      },
    }
    app.get('/customers/1', { schema }, async () => sealer.encryptFields({ ssn: SSN, card: CARD }))
    const server = await served(app)
    const created = await request(server).post('/customers').send({ ssn: SSN, card: CARD })
    expect(created.body).toEqual({ ssn: '*******6789', card: '************1111' })
    expect(stored[0]).toMatchObject({ ssn: expect.stringMatching(/^enc:v1:/) })
    const read = await request(server).get('/customers/1')
    expect(read.body).toEqual({ ssn: '*******6789', card: '************1111' })
    await app.close()
  })

  it("sends key-store failures to Fastify's error handler, and the handler does not run", async () => {
    const inner = staticKeySource([newKey()])
    let failure: unknown
    const source: KeySource = {
      encryptionKey: () => {
        if (failure !== undefined) throw failure
        return inner.encryptionKey()
      },
      decryptionKey: (kid) => inner.decryptionKey(kid),
      legacyKeys: () => inner.legacyKeys(),
    }
    const sealer = createFieldseal({ keyring: source, fields: ['ssn'] })
    const seen: unknown[] = []
    let ran = false
    const app = Fastify()
    app.setErrorHandler((error, _request, reply) => {
      seen.push(error)
      reply.code(503).send()
    })
    app.register(fieldseal(sealer))
    app.post('/x', async () => {
      ran = true
      return {}
    })
    const server = await served(app)
    for (const thrown of [
      new FieldsealError('ERR_FIELDSEAL_STORE_CORRUPT', 'store unreadable'),
      new Error('boom'),
    ]) {
      failure = thrown
      await request(server).post('/x').send({ ssn: SSN }).expect(503)
    }
    expect(seen).toEqual([
      expect.objectContaining({ code: 'ERR_FIELDSEAL_STORE_CORRUPT' }),
      expect.objectContaining({ message: 'boom' }),
    ])
    expect(ran).toBe(false)
    await app.close()
  })

  it('answers FieldsealErrors from a handler with errorHandler() (5xx generic), and passes others to the parent handler', async () => {
    const sealer = makeFs({ fields: ['ssn'] })
    const app = Fastify()
    const parent: unknown[] = []
    app.setErrorHandler((error, _request, reply) => {
      parent.push(error)
      reply.code(599).send()
    })
    app.register(fieldseal(sealer))
    app.register((routes, _options, done) => {
      routes.setErrorHandler(errorHandler())
      routes.get('/bad-data', async () =>
        sealer.decryptField('enc:v1:kid:nope', { context: 'ssn' }),
      )
      routes.get('/server', async () => {
        throw new FieldsealError(
          'ERR_FIELDSEAL_STORE_CORRUPT',
          'keyring file /secret/path is corrupt',
        )
      })
      routes.get('/other', async () => {
        throw new Error('not ours')
      })
      done()
    })
    const server = await served(app)
    expectProblem(await request(server).get('/bad-data'), 400, 'ERR_FIELDSEAL_MALFORMED')
    const problem = expectProblem(
      await request(server).get('/server'),
      500,
      'ERR_FIELDSEAL_STORE_CORRUPT',
    )
    expect(problem.detail).not.toContain('/secret/path')
    await request(server).get('/other').expect(599)
    expect(parent).toEqual([expect.objectContaining({ message: 'not ours' })])
    await app.close()
  })

  it('sends strings as they are: a pre-serialised JSON string is not masked (as in Koa)', async () => {
    const sealer = makeFs({ fields: ['ssn'] })
    const sealed = sealer.encryptFields({ ssn: SSN })
    const app = Fastify()
    app.register(fieldseal(sealer))
    app.get('/object', async () => sealed)
    app.get('/text', async (_req, reply) =>
      reply.type('application/json').send(JSON.stringify(sealed)),
    )
    const server = await served(app)
    expect((await request(server).get('/object')).body).toEqual({ ssn: '[REDACTED]' })
    expect((await request(server).get('/text')).body).toEqual(sealed)
    await app.close()
  })

  it('types request.fieldseal as FieldsealRequest | undefined', async () => {
    const sealer = makeFs({ fields: ['ssn'] })
    const app = Fastify()
    app.register(fieldseal(sealer))
    app.post('/x', async (req) => {
      expectTypeOf(req.fieldseal).toEqualTypeOf<FieldsealRequest | undefined>()
      return { valid: req.fieldseal?.get('ssn') === SSN }
    })
    expect(
      (
        await request(await served(app))
          .post('/x')
          .send({ ssn: SSN })
      ).body,
    ).toEqual({
      valid: true,
    })
    await app.close()
  })
})
