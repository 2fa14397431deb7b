/**
 * The customers API on Koa 3 with the fieldseal middleware — the same API as the Express
 * example (see examples/express/app.ts), on the same database and keyring:
 *
 * - `POST /customers` — validated on the plaintext (`ctx.state.fieldseal`), stored from
 *   `ctx.request.body` (sensitive fields already `enc:v1:`).
 * - `GET /customers` — masked list; `?email=` looks a customer up by blind index.
 * - `GET /customers/:id` — one customer, selected fields in full for an admin.
 *
 * @module
 */
import { bodyParser } from '@koa/bodyparser'
import Router from '@koa/router'
import { errorHandler, fieldseal, mask } from 'fieldseal/koa'
import Koa, { type Middleware } from 'koa'
import {
  customerId,
  type CustomersAppOptions,
  DEV_ADMIN_TOKEN,
  invalidCustomer,
  isAuthorised,
  notFound,
  PRIVATE_HEADERS,
  PROBLEM_TYPE,
} from '../shared/api.js'
import { ADMIN_VIEW, RESPONSE_MASK, validateCustomer } from '../shared/customer-fields.js'
import { CustomerStore } from '../shared/database.js'

export type { CustomersAppOptions } from '../shared/api.js'

function problem(ctx: Koa.Context, body: { readonly status: number }): void {
  ctx.status = body.status
  ctx.body = body
  ctx.type = PROBLEM_TYPE
}

/**
 * Builds the Koa app (not listening; `server.ts` starts it, tests hand `app.callback()` to
 * supertest).
 *
 * @example
 * ```ts
 * const app = createApp({ db: openDatabase(':memory:'), fieldseal: sealer })
 * app.listen(3001)
 * ```
 */
export function createApp(options: CustomersAppOptions): Koa {
  const store = new CustomerStore(options.db)
  const sealer = options.fieldseal
  const adminToken = options.adminToken ?? (process.env.DEMO_ADMIN_TOKEN || DEV_ADMIN_TOKEN)
  const revealToAdmin = mask(ADMIN_VIEW)
  const adminOnlyReveal: Middleware = (ctx, next) =>
    isAuthorised(ctx.get('authorization') || undefined, adminToken)
      ? revealToAdmin(ctx, next)
      : next()

  const router = new Router()
  router.post('/customers', (ctx) => {
    const problems = validateCustomer(ctx.state.fieldseal)
    if (problems.length > 0) return problem(ctx, invalidCustomer(problems))
    const id = store.insert(ctx.request.body as Record<string, unknown>)
    ctx.status = 201
    ctx.set('Location', `/customers/${id}`)
    ctx.body = store.get(id)
  })
  router.get('/customers', (ctx) => {
    const email = ctx.query.email
    if (typeof email === 'string') {
      const index = sealer.blindIndex(email, 'email')
      ctx.body = { customers: index === undefined ? [] : store.findByEmailIndex(index) }
      return
    }
    ctx.body = { customers: store.list() }
  })
  router.get('/customers/:id', adminOnlyReveal, (ctx) => {
    const id = customerId(ctx.params.id)
    const customer = id === undefined ? undefined : store.get(id)
    if (customer === undefined) return problem(ctx, notFound())
    ctx.body = customer
  })

  const app = new Koa()
  app.use(errorHandler())
  app.use(bodyParser({ enableTypes: ['json'], jsonLimit: '16kb' }))
  app.use(fieldseal(sealer, { mask: RESPONSE_MASK }))
  app.use(async (ctx, next) => {
    ctx.set(PRIVATE_HEADERS)
    await next()
  })
  app.use(router.routes()).use(router.allowedMethods())
  return app
}
