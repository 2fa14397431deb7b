/**
 * `npm run start:koa`: the Koa customers API on `PORT` (default 3001), on the same `.data/`
 * database and development keyring as the Express demo. Development only.
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
const url = await serve(app.callback(), Number(process.env.PORT ?? 3001), env)
printBanner({ framework: 'Koa', url, env, adminToken })
