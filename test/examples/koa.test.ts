import { createApp } from '../../examples/koa/app.js'
import { customersSuite } from './customers-suite.js'

customersSuite('Koa', (env, adminToken) =>
  createApp({
    db: env.db,
    fieldseal: env.fieldseal,
    adminToken,
  }).callback(),
)
