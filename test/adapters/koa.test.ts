import { bodyParser } from '@koa/bodyparser'
import Router from '@koa/router'
import Koa from 'koa'
import Koa2 from 'koa2'
import request from 'supertest'
import { describe, expect, expectTypeOf, it } from 'vitest'
import { errorHandler, fieldseal, mask, type FieldsealRequest } from '../../adapters/koa.js'
import { FieldsealError } from '../../src/errors.js'
import { behaviourSuite, CARD, expectProblem, makeFs, SSN } from './behaviour.js'
import { koa2App, koa2LegacyParserApp, koa3App, koa3LegacyParserApp } from './harness.js'

behaviourSuite('Koa 3 + @koa/bodyparser', koa3App)
behaviourSuite('Koa 3 + koa-bodyparser', koa3LegacyParserApp)
behaviourSuite('Koa 2 + @koa/bodyparser', koa2App)
behaviourSuite('Koa 2 + koa-bodyparser', koa2LegacyParserApp)

for (const [name, KoaApp] of [
  ['Koa 3', Koa],
  ['Koa 2', Koa2 as typeof Koa],
] as const) {
  describe(`${name}: adapter specifics`, () => {
    const appWithErrors = () => {
      const app = new KoaApp()
      const reported: unknown[] = []
      app.silent = true
      app.on('error', (error) => reported.push(error))
      return { app, reported }
    }

    it('returns named middleware functions', () => {
      expect(fieldseal(makeFs()).name).toBe('fieldsealMiddleware')
      expect(mask().name).toBe('maskMiddleware')
      expect(errorHandler().name).toBe('fieldsealErrorHandler')
    })

    it("throws 5xx errors with status and expose: false to Koa's default handler, which reports them", async () => {
      const { app, reported } = appWithErrors()
      app.use(fieldseal(makeFs()))
      app.use(bodyParser())
      app.use((ctx) => {
        ctx.body = 'handler ran'
      })
      const response = await request(app.callback()).post('/').send({ ssn: SSN })
      expect(response.status).toBe(500)
      expect(response.text).toBe('Internal Server Error')
      expect(reported).toEqual([
        expect.objectContaining({
          code: 'ERR_FIELDSEAL_BODY_NOT_PARSED',
          status: 500,
          expose: false,
        }),
      ])
    })

    it('answers FieldsealErrors thrown downstream as problem+json with errorHandler(), still reporting 5xx', async () => {
      const fs = makeFs({ fields: ['ssn'] })
      const { app, reported } = appWithErrors()
      app.use(errorHandler())
      app.use(bodyParser())
      app.use(fieldseal(fs))
      app.use((ctx) => {
        if (ctx.path === '/bad-data') fs.decryptField('enc:v1:kid:nope', { context: 'ssn' })
        if (ctx.path === '/server')
          throw new FieldsealError(
            'ERR_FIELDSEAL_STORE_CORRUPT',
            'keyring file /secret/path is corrupt',
          )
        throw new Error('not ours')
      })
      expectProblem(await request(app.callback()).get('/bad-data'), 400, 'ERR_FIELDSEAL_MALFORMED')
      const problem = expectProblem(
        await request(app.callback()).get('/server'),
        500,
        'ERR_FIELDSEAL_STORE_CORRUPT',
      )
      expect(problem.detail).not.toContain('/secret/path')
      await request(app.callback()).get('/other').expect(500)
      expect(reported).toEqual([
        expect.objectContaining({ code: 'ERR_FIELDSEAL_STORE_CORRUPT' }),
        expect.objectContaining({ message: 'not ours' }),
      ])
    })

    it('keeps a +json content type the handler set', async () => {
      const fs = makeFs({ fields: ['card'] })
      const app = new KoaApp()
      app.use(bodyParser()).use(fieldseal(fs, { mask: { decrypt: true, rules: { card: 'card' } } }))
      app.use((ctx) => {
        ctx.body = fs.encryptFields({ card: CARD })
        ctx.type = 'application/vnd.api+json' // after the body: Koa 2 resets the type of an object body
      })
      const response = await request(app.callback()).get('/')
      expect(response.headers['content-type']).toMatch(/^application\/vnd\.api\+json/)
      expect(JSON.parse(response.text)).toEqual({ card: '************1111' })
    })

    it("replaces the raw request's body too [@koa/bodyparser patchNode: true]", async () => {
      const fs = makeFs({ fields: ['ssn'] })
      const app = new KoaApp()
      let raw: any
      app.use(bodyParser({ patchNode: true })).use(fieldseal(fs))
      app.use((ctx) => {
        raw = (ctx.req as any).body
        ctx.status = 204
      })
      await request(app.callback()).post('/').send({ ssn: SSN }).expect(204)
      expect(raw.ssn).toMatch(/^enc:v1:/)
    })

    it('works with @koa/router and types ctx.state.fieldseal', async () => {
      const fs = makeFs({ fields: ['ssn'] })
      const app = new KoaApp()
      const router = new Router()
      router.post('/customers', (ctx) => {
        const state: FieldsealRequest | undefined = ctx.state.fieldseal
        ctx.status = 201
        ctx.body = { stored: ctx.request.body, valid: state?.get('ssn') === SSN }
      })
      router.get('/customers/1', mask({ reveal: ['ssn'] }), (ctx) => {
        ctx.body = fs.encryptFields({ ssn: SSN })
      })
      app.use(bodyParser()).use(fieldseal(fs))
      app.use(async (ctx, next) => {
        expectTypeOf(ctx.state.fieldseal).toEqualTypeOf<FieldsealRequest | undefined>()
        await next()
      })
      app.use(router.routes())
      const created = await request(app.callback())
        .post('/customers')
        .send({ ssn: SSN })
        .expect(201)
      expect(created.body).toEqual({ stored: { ssn: '[REDACTED]' }, valid: true })
      expect((await request(app.callback()).get('/customers/1')).body).toEqual({ ssn: SSN })
    })
  })
}
