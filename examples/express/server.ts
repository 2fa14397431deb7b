/**
 * `npm start`: the Express customers API on `PORT` (default 3000), with its database and a
 * development keyring in `.data/` (generated on first start). Development only.
 *
 * @module
 */
import { runDemo } from '../shared/serve.js'
import { createApp } from './app.js'

await runDemo('Express', 3000, createApp)
