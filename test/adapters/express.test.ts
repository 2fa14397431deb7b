import express, { type RequestHandler } from 'express'
import express4 from 'express4'
import request from 'supertest'
import { describe, expect, expectTypeOf, it } from 'vitest'
import { errorHandler, fieldseal, mask, type FieldsealRequest } from '../../adapters/express.js'
import { FieldsealError } from '../../src/errors.js'
import type { KeySource } from '../../src/crypto/key-source.js'
import { staticKeySource } from '../../src/crypto/static-keys.js'
import { createFieldseal } from '../../src/core/fieldseal.js'
import { behaviourSuite, CARD, expectProblem, makeFs, newKey, SSN } from './behaviour.js'
import { express4App, express5App } from './harness.js'

behaviourSuite('Express 5', express5App)
behaviourSuite('Express 4', express4App)

/** A key source that starts failing on demand, to drive errors past the middleware. */
function failingSource(): KeySource & { fail: unknown } {
  const inner = staticKeySource([newKey()])
  const source = {
    fail: undefined as unknown,
    encryptionKey: () => {
      if (source.fail !== undefined) throw source.fail
      return inner.encryptionKey()
    },
    decryptionKey: (kid: string) => inner.decryptionKey(kid),
    legacyKeys: () => inner.legacyKeys(),
  }
  return source
}

for (const [name, createExpress] of [
  ['Express 5', express],
  ['Express 4', express4 as typeof express],
] as const) {
  describe(`${name}: adapter specifics`, () => {
    it('returns named middleware functions', () => {
      const fs = makeFs()
      expect(fieldseal(fs).name).toBe('fieldsealMiddleware')
      expect(mask().name).toBe('maskMiddleware')
      expect(errorHandler().name).toBe('fieldsealErrorHandler')
    })

    it('sends key-store failures (async, after the request started) to next(err)', async () => {
      for (const failure of [
        new FieldsealError('ERR_FIELDSEAL_STORE_CORRUPT', 'store unreadable'),
        new Error('boom'),
      ]) {
        const source = failingSource()
        const fs = createFieldseal({ keyring: source, fields: ['ssn'] })
        const seen: unknown[] = []
        let ran = false
        const app = createExpress()
        app.use(express.json(), fieldseal(fs))
        app.post('/x', (_req, res) => {
          ran = true
          res.end()
        })
        app.use(((error, _req, res, _next) => {
          seen.push(error)
          res.status(503).end()
        }) as express.ErrorRequestHandler)
        source.fail = failure
        await request(app).post('/x').send({ ssn: SSN }).expect(503)
        expect(seen).toEqual([expect.objectContaining({ message: failure.message })])
        expect(ran).toBe(false)
      }
    })

    it('answers FieldsealErrors from the handler as problem+json with errorHandler(), 5xx with a generic detail', async () => {
      const fs = makeFs({ fields: ['ssn'] })
      const app = createExpress()
      app.use(express.json(), fieldseal(fs))
      app.get('/bad-data', () => {
        fs.decryptField('enc:v1:kid:nope', { context: 'ssn' })
      })
      app.get('/server', () => {
        throw new FieldsealError(
          'ERR_FIELDSEAL_STORE_CORRUPT',
          'keyring file /secret/path is corrupt',
        )
      })
      app.get('/other', () => {
        throw new Error('not ours')
      })
      app.use(errorHandler())
      app.use(((_error, _req, res, _next) => res.status(599).end()) as express.ErrorRequestHandler)
      expectProblem(await request(app).get('/bad-data'), 400, 'ERR_FIELDSEAL_MALFORMED')
      const problem = expectProblem(
        await request(app).get('/server'),
        500,
        'ERR_FIELDSEAL_STORE_CORRUPT',
      )
      expect(problem.detail).not.toContain('/secret/path')
      expect(problem.title).toBe('Internal Server Error')
      await request(app).get('/other').expect(599)
    })

    it('answers an unsupported charset with 415 problem+json [errorHandler()]', async () => {
      const app = createExpress()
      app.use(express.json(), fieldseal(makeFs({ fields: ['ssn'] })))
      app.post('/x', (_req, res) => res.end())
      app.use(errorHandler())
      const response = await request(app)
        .post('/x')
        .set('Content-Type', 'application/json; charset=latin-2')
        .send(`{"ssn":"${SSN}"}`)
      expectProblem(response, 415, 'ERR_FIELDSEAL_BODY_UNSUPPORTED')
      expect(response.text).not.toContain(SSN)
    })

    it('hands every error it answers to onError, and a 5xx detail claims no log [errorHandler({ onError })]', async () => {
      const seen: unknown[] = []
      const app = createExpress()
      app.use(express.json(), fieldseal(makeFs({ fields: ['ssn'] })))
      app.get('/server', () => {
        throw new FieldsealError('ERR_FIELDSEAL_STORE_CORRUPT', 'keyring file is corrupt')
      })
      app.use(errorHandler({ onError: (error, req) => seen.push([error, req.path]) }))
      const problem = expectProblem(
        await request(app).get('/server'),
        500,
        'ERR_FIELDSEAL_STORE_CORRUPT',
      )
      expect(problem.detail).not.toMatch(/log/)
      expect(seen).toEqual([
        [expect.objectContaining({ code: 'ERR_FIELDSEAL_STORE_CORRUPT' }), '/server'],
      ])
    })

    it('masks res.jsonp like res.json', async () => {
      const fs = makeFs({ fields: ['card'] })
      const app = createExpress()
      app.use(express.json(), fieldseal(fs, { mask: { decrypt: true, rules: { card: 'card' } } }))
      app.get('/x', (_req, res) => res.jsonp(fs.encryptFields({ card: CARD })))
      const response = await request(app).get('/x?callback=cb')
      expect(response.text).toContain('"card":"************1111"')
    })

    it('censors res.json of one enc: string: res.json always sends JSON', async () => {
      const fs = makeFs({ fields: ['ssn'] })
      const app = createExpress()
      app.use(express.json(), fieldseal(fs))
      app.get('/x', (_req, res) => res.json(fs.encryptField(SSN, { context: 'ssn' })))
      const response = await request(app).get('/x')
      expect(response.text).toBe('"[REDACTED]"')
    })

    it('works on a Router with route-level mask()', async () => {
      const fs = makeFs({ fields: ['ssn'] })
      const app = createExpress()
      const router = createExpress.Router()
      router.get('/one', mask({ decrypt: true, reveal: ['ssn'] }), (_req, res) =>
        res.json(fs.encryptFields({ ssn: SSN })),
      )
      router.get('/all', (_req, res) => res.json([fs.encryptFields({ ssn: SSN })]))
      app.use(express.json(), fieldseal(fs), router)
      expect((await request(app).get('/one')).body).toEqual({ ssn: SSN })
      expect((await request(app).get('/all')).body).toEqual([{ ssn: '[REDACTED]' }])
    })
  })
}

describe('Express: typed request augmentation', () => {
  it('types req.fieldseal as FieldsealRequest | undefined', async () => {
    const fs = makeFs({ fields: ['ssn'] })
    const handler: RequestHandler = (req, res) => {
      const state = req.fieldseal
      expectTypeOf(state).toEqualTypeOf<FieldsealRequest | undefined>()
      // @ts-expect-error - possibly undefined: the middleware may not be mounted
      req.fieldseal.get('ssn')
      res.json({ valid: state?.get('ssn') === SSN })
    }
    const app = express()
    app.use(express.json(), fieldseal(fs))
    app.post('/x', handler)
    expect((await request(app).post('/x').send({ ssn: SSN })).body).toEqual({ valid: true })
  })
})
