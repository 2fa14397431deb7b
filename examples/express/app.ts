/**
 * The customers API on Express 5 with the fieldseal middleware:
 *
 * - `POST /customers` — the middleware encrypts the sensitive fields before the handler runs, so
 *   the handler validates the plaintext (`req.fieldseal`) and stores `req.body` (ciphertext).
 * - `GET /customers` — the list, decrypted and masked on the way out (`?email=` finds a customer
 *   by the blind index of the address, without decrypting the table).
 * - `GET /customers/:id` — one customer; an admin (`Authorization: Bearer <token>`) gets the
 *   selected fields in full, anyone else the masked view.
 *
 * @module
 */
import express, { type RequestHandler } from 'express'
import { errorHandler, fieldseal, mask } from 'fieldseal/express'
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
 * Builds the Express app (not listening; `server.ts` starts it, tests hand it to supertest).
 *
 * @example
 * ```ts
 * const app = createApp({ db: openDatabase(':memory:'), fieldseal: sealer })
 * app.listen(3000)
 * ```
 */
export function createApp(options: CustomersAppOptions): express.Express {
  const store = new CustomerStore(options.db)
  const sealer = options.fieldseal
  const adminToken = options.adminToken ?? (process.env.DEMO_ADMIN_TOKEN || DEV_ADMIN_TOKEN)
  const revealToAdmin = mask(ADMIN_VIEW)
  const adminOnlyReveal: RequestHandler = (req, res, next) => {
    if (isAuthorised(req.get('authorization'), adminToken)) revealToAdmin(req, res, next)
    else next()
  }

  const app = express()
  app.disable('x-powered-by')
  app.use(express.json({ limit: '16kb' }))
  app.use(fieldseal(sealer, { mask: RESPONSE_MASK }))
  app.use((_req, res, next) => {
    res.set(PRIVATE_HEADERS)
    next()
  })

  app.post('/customers', (req, res) => {
    const problems = validateCustomer(req.fieldseal)
    if (problems.length > 0) {
      res
        .status(422)
        .type(PROBLEM_TYPE)
        .send(JSON.stringify(invalidCustomer(problems)))
      return
    }
    const id = store.insert(req.body as Record<string, unknown>)
    res.status(201).location(`/customers/${id}`).json(store.get(id))
  })

  app.get('/customers', (req, res) => {
    const email = req.query.email
    if (typeof email === 'string') {
      const index = sealer.blindIndex(email, 'email')
      res.json({ customers: index === undefined ? [] : store.findByEmailIndex(index) })
      return
    }
    res.json({ customers: store.list() })
  })

  app.get('/customers/:id', adminOnlyReveal, (req, res) => {
    const id = customerId(String(req.params.id))
    const customer = id === undefined ? undefined : store.get(id)
    if (customer === undefined) {
      res.status(404).type(PROBLEM_TYPE).send(JSON.stringify(notFound()))
      return
    }
    res.json(customer)
  })

  app.use(errorHandler())
  return app
}
