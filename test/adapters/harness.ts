/**
 * Framework-neutral test apps: one description of routes, built as a real Express 5, Express 4,
 * Koa 3, Koa 2 or Fastify 5 app (with their JSON body parsers), so the behaviour suite runs
 * unchanged on each.
 *
 * @module
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import { Readable } from 'node:stream'
import type request from 'supertest'
import Router from '@koa/router'
import { bodyParser as koaBodyParser } from '@koa/bodyparser'
import legacyKoaBodyParser from 'koa-bodyparser'
import express from 'express'
import express4 from 'express4'
import Koa from 'koa'
import Koa2 from 'koa2'
import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply } from 'fastify'
import type { Fieldseal } from '../../src/core/fieldseal.js'
import * as expressAdapter from '../../adapters/express.js'
import * as koaAdapter from '../../adapters/koa.js'
import * as fastifyAdapter from '../../adapters/fastify.js'
import type {
  FieldsealMiddlewareOptions,
  FieldsealRequest,
  ResponseMaskOptions,
} from '../../adapters/express.js'

/** What a handler answers; exactly one body kind. */
export interface Reply {
  readonly status?: number
  /** `res.json(…)` / `ctx.body = …` */
  readonly json?: unknown
  /** `res.send(object)` in Express; same as `json` in Koa. */
  readonly send?: unknown
  readonly text?: string
  readonly buffer?: Buffer
  /** Streamed as it is. */
  readonly stream?: string
  readonly type?: string
}

export interface HandlerInput {
  readonly body: unknown
  readonly fieldseal: FieldsealRequest | undefined
}

export interface RouteSpec {
  readonly method: 'get' | 'post' | 'put'
  readonly path: string
  /** Route-level `mask(…)` before the handler. */
  readonly mask?: ResponseMaskOptions
  readonly handler: (input: HandlerInput) => Reply
}

export interface AppSpec {
  readonly fs: Fieldseal
  readonly options?: FieldsealMiddlewareOptions
  readonly routes: readonly RouteSpec[]
  /** Mount fieldseal before the body parser (a configuration mistake). */
  readonly fieldsealBeforeParser?: boolean
  /** Leave the fieldseal middleware out (route `mask()` alone). */
  readonly withoutFieldseal?: boolean
  /** Mount the adapter's `errorHandler()`, with these options when given. */
  readonly withErrorHandler?: boolean | ErrorHandlerOptions
  /** Largest JSON body the parser takes (`limit` / `jsonLimit`), e.g. `'1kb'`. */
  readonly jsonLimit?: string
  /**
   * Koa only: parse JSON with plain `JSON.parse` (as Express's body-parser does) instead of
   * co-body, which refuses `__proto__` keys itself — to test what fieldseal does with them.
   */
  readonly plainJsonParse?: boolean
}

export interface TestApp {
  /** What to hand to supertest. */
  readonly server: Parameters<typeof request>[0]
  /** Errors that reached the framework's error path (next(err) / a throw out of the middleware). */
  readonly errors: unknown[]
}

export type AppFactory = (spec: AppSpec) => TestApp

type ExpressModule = typeof express

/** What `errorHandler(options)` takes in both adapters (the hook's request argument differs). */
export interface ErrorHandlerOptions {
  readonly onError?: (error: unknown) => void
}

const errorHandlerOf = (spec: AppSpec): { onError?: (error: unknown) => void } | undefined =>
  typeof spec.withErrorHandler === 'object' ? spec.withErrorHandler : undefined

function expressApp(createExpress: ExpressModule, json: (limit?: string) => any) {
  return (spec: AppSpec): TestApp => {
    const errors: unknown[] = []
    const app = createExpress()
    const fieldseal = spec.withoutFieldseal ? [] : [expressAdapter.fieldseal(spec.fs, spec.options)]
    const parser = json(spec.jsonLimit)
    if (spec.fieldsealBeforeParser) app.use(...fieldseal, parser)
    else app.use(parser, ...fieldseal)
    for (const route of spec.routes) {
      const masks = route.mask === undefined ? [] : [expressAdapter.mask(route.mask)]
      app[route.method](route.path, ...masks, (req: any, res: any) => {
        const reply = route.handler({ body: req.body, fieldseal: req.fieldseal })
        res.status(reply.status ?? 200)
        if (reply.type !== undefined) res.type(reply.type)
        if ('json' in reply) res.json(reply.json)
        else if ('send' in reply) res.send(reply.send)
        else if (reply.text !== undefined) res.send(reply.text)
        else if (reply.buffer !== undefined) res.send(reply.buffer)
        else if (reply.stream !== undefined) Readable.from([reply.stream]).pipe(res)
        else res.end()
      })
    }
    if (spec.withErrorHandler) app.use(expressAdapter.errorHandler(errorHandlerOf(spec)))
    app.use((error: any, _req: any, res: any, _next: any) => {
      errors.push(error)
      res
        .status(error.status ?? 500)
        .type('application/json')
        .send(JSON.stringify({ caught: error.code ?? 'other' }))
    })
    return { server: app, errors }
  }
}

type KoaClass = typeof Koa

async function plainJsonParser(ctx: any, next: () => Promise<unknown>) {
  const chunks: Buffer[] = []
  for await (const chunk of ctx.req) chunks.push(chunk)
  if (chunks.length > 0) ctx.request.body = JSON.parse(Buffer.concat(chunks).toString())
  await next()
}

function koaApp(KoaApp: KoaClass, defaultParser: (limit?: string) => any) {
  return (spec: AppSpec): TestApp => {
    const errors: unknown[] = []
    let parser: (limit?: string) => any = defaultParser
    const app = new KoaApp()
    app.silent = true
    app.use(async (ctx, next) => {
      try {
        await next()
      } catch (error: any) {
        errors.push(error)
        ctx.status = error.status ?? 500
        ctx.body = { caught: error.code ?? 'other' }
      }
    })
    if (spec.withErrorHandler) app.use(koaAdapter.errorHandler(errorHandlerOf(spec)))
    const fieldseal = spec.withoutFieldseal ? [] : [koaAdapter.fieldseal(spec.fs, spec.options)]
    if (spec.plainJsonParse) parser = () => plainJsonParser
    const parse = parser(spec.jsonLimit)
    if (spec.fieldsealBeforeParser)
      for (const middleware of [...fieldseal, parse]) app.use(middleware)
    else for (const middleware of [parse, ...fieldseal]) app.use(middleware)
    const router = new Router()
    for (const route of spec.routes) {
      const masks = route.mask === undefined ? [] : [koaAdapter.mask(route.mask)]
      router[route.method](route.path, ...masks, (ctx: any) => {
        const reply = route.handler({ body: ctx.request.body, fieldseal: ctx.state.fieldseal })
        ctx.status = reply.status ?? 200
        if ('json' in reply) ctx.body = reply.json
        else if ('send' in reply) ctx.body = reply.send
        else if (reply.text !== undefined) ctx.body = reply.text
        else if (reply.buffer !== undefined) ctx.body = reply.buffer
        else if (reply.stream !== undefined) ctx.body = Readable.from([reply.stream])
        if (reply.type !== undefined) ctx.type = reply.type
      })
    }
    app.use(router.routes())
    return { server: app.callback(), errors }
  }
}

const limited = (limit: string | undefined) => (limit === undefined ? {} : { limit })
const jsonLimited = (limit: string | undefined) => (limit === undefined ? {} : { jsonLimit: limit })

export const express5App: AppFactory = expressApp(express, (limit) => express.json(limited(limit)))
// Express 4's own express.json() (body-parser 1.x), as its users mount it.
export const express4App: AppFactory = expressApp(express4 as ExpressModule, (limit) =>
  (express4 as ExpressModule).json(limited(limit)),
)
export const koa3App: AppFactory = koaApp(Koa, (limit) => koaBodyParser(jsonLimited(limit)))
export const koa3LegacyParserApp: AppFactory = koaApp(Koa, (limit) =>
  legacyKoaBodyParser(jsonLimited(limit)),
)
export const koa2App: AppFactory = koaApp(Koa2 as KoaClass, (limit) =>
  koaBodyParser(jsonLimited(limit)),
)
export const koa2LegacyParserApp: AppFactory = koaApp(Koa2 as KoaClass, (limit) =>
  legacyKoaBodyParser(jsonLimited(limit)),
)

const KIB = /^(\d+)kb$/

/** Fastify's `bodyLimit` (bytes) for a body-parser style limit such as `'1kb'`. */
function bodyLimit(limit: string | undefined): number | undefined {
  if (limit === undefined) return undefined
  const match = KIB.exec(limit)
  if (match === null) throw new TypeError(`unsupported test limit ${limit}`)
  return Number(match[1]) * 1024
}

function fastifyReply(reply: FastifyReply, answer: Reply): void {
  reply.code(answer.status ?? 200)
  if (answer.type !== undefined) reply.type(answer.type)
  if ('json' in answer) reply.send(answer.json)
  else if ('send' in answer) reply.send(answer.send)
  else if (answer.text !== undefined) reply.send(answer.text)
  else if (answer.buffer !== undefined) reply.send(answer.buffer)
  else if (answer.stream !== undefined) reply.send(Readable.from([answer.stream]))
  else reply.send()
}

/**
 * Where Fastify differs by nature, the app is set up as a Fastify user would get the same
 * situation, so the same promise is tested:
 * - it parses JSON itself, before any hook: "fieldseal before the body parser" is a JSON body
 *   left unparsed for a later hook, which fieldseal meets first;
 * - it refuses unknown media types (415) where Express and Koa leave the body unparsed: the app
 *   has a catch-all parser that keeps such bodies as bytes (raw webhook bodies), so a
 *   `+json` type arrives unparsed;
 * - its JSON parser refuses `__proto__` keys itself: `plainJsonParse` swaps in `JSON.parse`;
 * - `errorHandler()` is the error handler of the routes' context, the app's own one its parent.
 */
export const fastifyApp: AppFactory = (spec) => {
  const errors: unknown[] = []
  const limit = bodyLimit(spec.jsonLimit)
  const app: FastifyInstance = Fastify(limit === undefined ? {} : { bodyLimit: limit })
  app.setErrorHandler((error: FastifyError & { status?: number }, _request, reply) => {
    errors.push(error)
    reply
      .code(error.status ?? error.statusCode ?? 500)
      .type('application/json')
      .send(JSON.stringify({ caught: error.code ?? 'other' }))
  })
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body))
  if (spec.plainJsonParse || spec.fieldsealBeforeParser) {
    app.removeContentTypeParser('application/json')
    app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, text, done) => {
      if (spec.fieldsealBeforeParser) {
        done(null, undefined) // left for the hook below
        return
      }
      try {
        done(null, text === '' ? undefined : JSON.parse(text as string))
      } catch (error) {
        done(error as Error, undefined)
      }
    })
  }
  if (!spec.withoutFieldseal) app.register(fastifyAdapter.fieldseal(spec.fs, spec.options))
  if (spec.fieldsealBeforeParser) {
    app.register((child, _options, done) => {
      child.addHook('preHandler', (request, _reply, next) => {
        request.body = request.body ?? 'a later parser would read the raw body here'
        next()
      })
      done()
    })
  }
  // mask() and errorHandler() are called here, not in the plugin below (Fastify runs plugins at
  // ready): a bad option throws when the app is built, as in the other frameworks.
  const masks = spec.routes.map((route) =>
    route.mask === undefined ? [] : [fastifyAdapter.mask(route.mask)],
  )
  const handleErrors = spec.withErrorHandler
    ? fastifyAdapter.errorHandler(errorHandlerOf(spec))
    : undefined
  app.register((routes, _options, done) => {
    if (handleErrors !== undefined) routes.setErrorHandler(handleErrors)
    for (const [index, route] of spec.routes.entries()) {
      const preHandler = masks[index] ?? []
      routes.route({
        method: route.method.toUpperCase() as 'GET' | 'POST' | 'PUT',
        url: route.path,
        preHandler,
        handler: (request, reply) => {
          fastifyReply(reply, route.handler({ body: request.body, fieldseal: request.fieldseal }))
        },
      })
    }
    done()
  })
  const ready = app.ready()
  return {
    server: (req: IncomingMessage, res: ServerResponse) => {
      ready.then(
        () => app.routing(req, res),
        (error: unknown) => res.destroy(error as Error),
      )
    },
    errors,
  }
}
