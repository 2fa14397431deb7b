/**
 * `fieldseal/koa`: the fieldseal middleware for Koa 3 and 2. Framework glue only — the work is
 * done by the core pipeline (src/http/pipeline.ts), shared with the Express adapter.
 *
 * @module
 */
import type { Context, Middleware } from 'koa'
import { FieldsealError } from '../src/errors.js'
import type { Fieldseal } from '../src/core/fieldseal.js'
import { bodyParserError } from '../src/http/body-errors.js'
import {
  resolveErrorHandlerOptions,
  type ErrorHandlerOptions,
} from '../src/http/error-handler-options.js'
import type { FieldsealMiddlewareOptions, ResponseMaskOptions } from '../src/http/http-options.js'
import {
  createHttpPipeline,
  createRouteMask,
  isJsonBody,
  useRouteMask,
  type HttpRequestResult,
} from '../src/http/pipeline.js'
import { isRequestDataError, PROBLEM_CONTENT_TYPE, problemDetails } from '../src/http/problem.js'
import type { FieldsealRequest } from '../src/http/request-state.js'

export type { ErrorHandlerOptions } from '../src/http/error-handler-options.js'
export type { FieldsealMiddlewareOptions, ResponseMaskOptions } from '../src/http/http-options.js'
export type { ProblemDetails } from '../src/http/problem.js'
export type { FieldsealRequest } from '../src/http/request-state.js'
export { PROBLEM_CONTENT_TYPE } from '../src/http/problem.js'

declare module 'koa' {
  interface DefaultState {
    /** Set by the fieldseal middleware: the request body's plaintext, for validation. */
    fieldseal?: FieldsealRequest
  }
}

function setProblem(ctx: Context, error: FieldsealError): void {
  ctx.status = error.status
  ctx.body = problemDetails(error)
  ctx.type = PROBLEM_CONTENT_TYPE // after the body: Koa 2 resets the type of an object body
}

/**
 * The middleware: decrypts `enc:` values in `ctx.request.body`, encrypts the configured fields
 * in it (the plaintext is in `ctx.state.fieldseal`), and, after `await next()`, masks a JSON
 * `ctx.body`. Mount it after the body parser. Bad request data is answered here with a 4xx
 * `application/problem+json` and the downstream does not run; other errors are thrown with
 * `status` and `expose`, for Koa's error handling.
 *
 * @example
 * ```ts
 * import Koa from 'koa'
 * import { bodyParser } from '@koa/bodyparser'
 * import { fieldseal } from 'fieldseal/koa'
 *
 * const app = new Koa()
 * app.use(bodyParser()).use(fieldseal(sealer, { mask: { rules: { '**.card': 'card' } } }))
 * app.use((ctx) => { ctx.body = db.insert(ctx.request.body) })
 * ```
 */
export function fieldseal(
  sealer: Fieldseal,
  options?: Readonly<FieldsealMiddlewareOptions<Context>>,
): Middleware {
  const pipeline = createHttpPipeline(sealer, options)
  return async function fieldsealMiddleware(ctx, next) {
    const request = ctx.request as { body?: unknown }
    const raw = ctx.req as { body?: unknown }
    const input = {
      body: request.body,
      headers: ctx.request.headers,
      bodyRead: ctx.req.readableEnded,
      request: ctx,
    }
    let result: HttpRequestResult
    try {
      result = await new Promise((done, fail) => pipeline.request(input, done, fail))
    } catch (error) {
      if (!isRequestDataError(error)) throw error
      setProblem(ctx, error)
      return
    }
    // @koa/bodyparser's patchNode also exposes the body on the raw request: replace both.
    if (raw.body !== undefined && raw.body === request.body) raw.body = result.body
    request.body = result.body
    ctx.state.fieldseal = result.fieldseal
    await next()
    if (!isJsonBody(ctx.body)) return
    const state = result.fieldseal
    const body = await new Promise((send, fail) => pipeline.respond(ctx.body, state, send, fail))
    if (body === ctx.body) return
    const type = ctx.response.get('Content-Type')
    // A JSON body whose JSON form was one ciphertext is now its censor: still sent as JSON.
    ctx.body = typeof body === 'object' && body !== null ? body : JSON.stringify(body)
    if (type !== '') ctx.set('Content-Type', type) // Koa 2 would reset a +json type
  }
}

/**
 * Route-level masking of the JSON response, on top of the app-level `mask` option:
 * `router.get('/x', mask({ decrypt: true, rules: { ssn: 'ssn' } }), handler)`. Needs the
 * `fieldseal` middleware mounted before it.
 *
 * @example
 * ```ts
 * import Router from '@koa/router'
 *
 * const router = new Router()
 * router.get('/customers/:id', mask({ decrypt: true, reveal: ['ssn'] }), (ctx) => {
 *   ctx.body = db.get(ctx.params.id)
 * })
 * ```
 */
export function mask(options?: Readonly<ResponseMaskOptions>): Middleware {
  const route = createRouteMask(options)
  return async function maskMiddleware(ctx, next) {
    useRouteMask(ctx.state.fieldseal, route)
    await next()
  }
}

/**
 * Answers any `FieldsealError` thrown downstream (also by your own code) and the JSON body
 * parser's failures (`ERR_FIELDSEAL_BODY_*`) with `application/problem+json`, never echoing the
 * body. `onError` gets each error it answers (the coded one, never the parser's error with the
 * raw body); a 5xx still reaches `app.on('error')`, so it is logged. Optional: the middleware
 * answers bad request data itself. Mount it first.
 *
 * @example
 * ```ts
 * import Koa from 'koa'
 *
 * const app = new Koa()
 * app.use(errorHandler({ onError: (error, ctx) => log.warn({ code: error.code, path: ctx.path }) }))
 * ```
 */
export function errorHandler(options?: Readonly<ErrorHandlerOptions<Context>>): Middleware {
  const onError = resolveErrorHandlerOptions(options)
  return async function fieldsealErrorHandler(ctx, next) {
    try {
      await next()
    } catch (error) {
      const answer = error instanceof FieldsealError ? error : bodyParserError(error)
      if (answer === undefined || ctx.headerSent) throw error
      onError?.(answer, ctx)
      setProblem(ctx, answer)
      if (answer.status >= 500) ctx.app.emit('error', answer, ctx)
    }
  }
}
