import { createListener } from '../../examples/fastify/app.js'
import { customersSuite } from './customers-suite.js'

customersSuite('Fastify', (env, adminToken) =>
  createListener({ db: env.db, fieldseal: env.fieldseal, adminToken }),
)
