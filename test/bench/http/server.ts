/**
 * The server side of `npm run bench:http`, run in a child process by run.ts:
 *
 *     node --import tsx test/bench/http/server.ts <express|koa> <plain|floor|fieldseal|naive>
 *
 * One echo-and-persist route, `POST /customers`: the JSON body (3 sensitive fields) is stored in
 * an in-memory ring and the stored record is sent back. `plain` has the framework and its JSON
 * body parser only; `fieldseal` adds the full pipeline: inbound decrypt, encryption of the 3
 * fields, and a response decrypted then masked (ssn, card, last4). `floor` gives the same result
 * with the least work, by hand in the handler (floor.ts); `naive` does the same work as fieldseal
 * by hand with node:crypto, untuned (naive.ts).
 *
 * It listens on 127.0.0.1 (port 0) and talks to the parent over IPC: `ready` with the port,
 * then answers `sample` (CPU time, requests handled, one stored record) and `exit`.
 *
 * @module
 */
import { bodyParser } from '@koa/bodyparser'
import Router from '@koa/router'
import express from 'express'
import Koa from 'koa'
import { createServer, type RequestListener } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { FieldsealMiddlewareOptions } from '../../../src/http/http-options.js'
import { createFloor } from './floor.js'
import { createNaive, SENSITIVE } from './naive.js'

type Core = typeof import('../../../src/core/fieldseal.js')
type ExpressAdapter = typeof import('../../../adapters/express.js')
type KoaAdapter = typeof import('../../../adapters/koa.js')

// BENCH_FROM=dist runs the tsc build (what users install) instead of the sources through tsx.
const fromDist = process.env.BENCH_FROM === 'dist'
const load = <T>(path: string): Promise<T> =>
  import(
    new URL(fromDist ? `../../../dist/${path}.js` : `../../../${path}.ts`, import.meta.url).href
  ) as Promise<T>
const [{ createFieldseal }, expressAdapter, koaAdapter] = await Promise.all([
  load<Core>('src/core/fieldseal'),
  load<ExpressAdapter>('adapters/express'),
  load<KoaAdapter>('adapters/koa'),
])

/** What the child answers to `sample`. */
export interface Sample {
  readonly type: 'sample'
  /** process.cpuUsage(), µs. */
  readonly user: number
  readonly system: number
  /** Requests handled so far. */
  readonly handled: number
  /** One stored record (for the parent to check it is what the mode should store). */
  readonly stored: unknown
}

const [framework, mode] = process.argv.slice(2)
if (
  (framework !== 'express' && framework !== 'koa') ||
  !['plain', 'floor', 'fieldseal', 'naive'].includes(mode ?? '')
) {
  throw new TypeError('usage: server.ts <express|koa> <plain|floor|fieldseal|naive>')
}
const key = process.env.BENCH_KEY
if (mode !== 'plain' && key === undefined) throw new TypeError('BENCH_KEY is not set')

const RING = 10_000
const ring: unknown[] = []
let handled = 0
function persist<T>(record: T): T {
  ring[handled++ % RING] = record
  return record
}

const fs =
  mode === 'fieldseal'
    ? createFieldseal({ keys: [key as string], fields: [...SENSITIVE] })
    : undefined
const options: FieldsealMiddlewareOptions = {
  mask: { decrypt: true, rules: { ssn: 'ssn', card_number: 'card', bank_account_number: 'last4' } },
}

const keyBytes = () => Buffer.from(key as string, 'base64')
const naive = mode === 'naive' ? createNaive(keyBytes()) : undefined
const floor = mode === 'floor' ? createFloor(keyBytes()) : undefined

/** What the handler does with the (parsed) body; returns what it sends back. */
function handle(body: Record<string, unknown>): unknown {
  if (naive !== undefined) return naive.mask(persist(naive.seal(naive.open(body))))
  if (floor === undefined) return persist(body)
  const plaintext = floor.open(body)
  persist(floor.seal(plaintext))
  return floor.mask(plaintext)
}

function expressApp(): RequestListener {
  const app = express()
  app.disable('etag').disable('x-powered-by')
  app.use(express.json())
  if (fs !== undefined) app.use(expressAdapter.fieldseal(fs, options))
  app.post('/customers', (req, res) => {
    res.status(201).json(handle(req.body as Record<string, unknown>))
  })
  return app
}

function koaApp(): RequestListener {
  const app = new Koa()
  const router = new Router()
  router.post('/customers', (ctx) => {
    ctx.status = 201
    ctx.body = handle(ctx.request.body as Record<string, unknown>)
  })
  app.use(bodyParser())
  if (fs !== undefined) app.use(koaAdapter.fieldseal(fs, options))
  app.use(router.routes())
  return app.callback()
}

const server = createServer(framework === 'express' ? expressApp() : koaApp())
server.keepAliveTimeout = 30_000
server.listen(0, '127.0.0.1', () => {
  process.send?.({ type: 'ready', port: (server.address() as AddressInfo).port })
})

process.on('message', (message: { type?: string }) => {
  if (message.type === 'sample') {
    const cpu = process.cpuUsage()
    const sample: Sample = {
      type: 'sample',
      user: cpu.user,
      system: cpu.system,
      handled,
      stored: ring[0],
    }
    process.send?.(sample)
  } else if (message.type === 'exit') {
    server.closeAllConnections()
    server.close(() => process.exit(0)) // a clean exit writes the --cpu-prof profile
  }
})
process.on('disconnect', () => process.exit(0))
