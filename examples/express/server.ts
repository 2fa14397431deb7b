/**
 * `npm start`: the Express customers API on `PORT` (default 3000), with its database and a
 * development keyring in `.data/` (generated on first start). Development only.
 *
 * @module
 */
import { DEV_ADMIN_TOKEN } from '../shared/api.js'
import { printBanner } from '../shared/banner.js'
import { openDevEnvironment } from '../shared/dev-environment.js'
import { serve } from '../shared/serve.js'
import { createApp } from './app.js'

const env = await openDevEnvironment()
const adminToken = process.env.DEMO_ADMIN_TOKEN || DEV_ADMIN_TOKEN
const app = createApp({
  db: env.db,
  fieldseal: env.fieldseal,
  blindIndexKey: env.blindIndexKey,
  adminToken,
})
const url = await serve(app, Number(process.env.PORT ?? 3000), env)
printBanner({ framework: 'Express', url, env, adminToken })
