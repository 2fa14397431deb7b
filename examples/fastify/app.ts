/**
 * The customers API on Fastify 5 with the fieldseal plugin — the same API as the Express and
 * Koa examples (see examples/express/app.ts), on the same database and keyring:
 *
 * - `POST /customers` — validated on the plaintext (`request.fieldseal`), stored from
 *   `request.body` (sensitive fields already `enc:v1:`).
 * - `GET /customers` — masked list; `?email=` looks a customer up by blind index.
 * - `GET /customers/:id` — one customer, selected fields in full for an admin.
 *
 * @module
 */
import type { RequestListener } from 'node:http'
import Fastify, { type FastifyInstance, type preHandlerHookHandler } from 'fastify'
import { errorHandler, fieldseal, mask } from 'fieldseal/fastify'
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

/**
 * Builds the Fastify app (not listening; `createListener` serves it).
 *
 * @example
 * ```ts
 * const app = createApp({ db: openDatabase(':memory:'), fieldseal: sealer })
 * await app.listen({ port: 3002 })
 * ```
 */
export function createApp(options: CustomersAppOptions): FastifyInstance {
  const store = new CustomerStore(options.db)
  const sealer = options.fieldseal
  const adminToken = options.adminToken ?? (process.env.DEMO_ADMIN_TOKEN || DEV_ADMIN_TOKEN)
  const revealToAdmin = mask(ADMIN_VIEW)
  const adminOnlyReveal: preHandlerHookHandler = function (request, reply, done) {
    if (isAuthorised(request.headers.authorization, adminToken)) {
      revealToAdmin.call(this, request, reply, done)
    } else done()
  }

  const app = Fastify({ bodyLimit: 16 * 1024 })
  app.removeContentTypeParser('text/plain') // JSON only, as the other examples
  app.setErrorHandler(errorHandler())
  app.register(fieldseal(sealer, { mask: RESPONSE_MASK }))
  app.addHook('onRequest', (_request, reply, done) => {
    reply.headers(PRIVATE_HEADERS)
    done()
  })

  app.post('/customers', async (request, reply) => {
    const problems = validateCustomer(request.fieldseal)
    if (problems.length > 0) {
      return reply
        .code(422)
        .type(PROBLEM_TYPE)
        .send(JSON.stringify(invalidCustomer(problems)))
    }
    const id = store.insert(request.body as Record<string, unknown>)
    return reply.code(201).header('Location', `/customers/${id}`).send(store.get(id))
  })
  app.get<{ Querystring: { email?: unknown } }>('/customers', async (request) => {
    const email = request.query.email
    if (typeof email === 'string') {
      const index = sealer.blindIndex(email, 'email')
      return { customers: index === undefined ? [] : store.findByEmailIndex(index) }
    }
    return { customers: store.list() }
  })
  app.get<{ Params: { id: string } }>(
    '/customers/:id',
    { preHandler: adminOnlyReveal },
    async (request, reply) => {
      const id = customerId(request.params.id)
      const customer = id === undefined ? undefined : store.get(id)
      if (customer === undefined) {
        return reply.code(404).type(PROBLEM_TYPE).send(JSON.stringify(notFound()))
      }
      return customer
    },
  )
  return app
}

/**
 * The app as a Node request listener (what `http.createServer` and supertest take): requests
 * wait until Fastify is ready.
 *
 * @example
 * ```ts
 * createServer(createListener({ db, fieldseal: sealer })).listen(3002)
 * ```
 */
export function createListener(options: CustomersAppOptions): RequestListener {
  const app = createApp(options)
  const ready = app.ready()
  return (req, res) => {
    ready.then(
      () => app.routing(req, res),
      (error: unknown) => res.destroy(error as Error),
    )
  }
}
