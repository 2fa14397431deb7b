/**
 * `npm run start:koa`: the Koa customers API on `PORT` (default 3001), on the same `.data/`
 * database and development keyring as the Express demo. Development only.
 *
 * @module
 */
import { runDemo } from '../shared/serve.js'
import { createApp } from './app.js'

await runDemo('Koa', 3001, (options) => createApp(options).callback())
