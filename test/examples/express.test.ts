import { createApp } from '../../examples/express/app.js'
import { customersSuite } from './customers-suite.js'

customersSuite('Express', (env, adminToken) =>
  createApp({ db: env.db, fieldseal: env.fieldseal, adminToken }),
)
