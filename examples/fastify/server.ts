/**
 * `npm run start:fastify`: the Fastify customers API on `PORT` (default 3002), on the same
 * `.data/` database and development keyring as the Express demo. Development only.
 *
 * @module
 */
import { runDemo } from '../shared/serve.js'
import { createListener } from './app.js'

await runDemo('Fastify', 3002, createListener)
