/**
 * `fieldseal/express`: the fieldseal middleware for Express 5 and 4. Framework glue only — the
 * work is done by the core pipeline (src/http/pipeline.ts), shared with the Koa adapter.
 *
 * @module
 */
import type { ErrorRequestHandler, Request, RequestHandler, Response } from 'express'
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
  useRouteMask,
  type HttpPipeline,
} from '../src/http/pipeline.js'
import { isRequestDataError, PROBLEM_CONTENT_TYPE, problemDetails } from '../src/http/problem.js'
import type { FieldsealRequest } from '../src/http/request-state.js'

export type { ErrorHandlerOptions } from '../src/http/error-handler-options.js'
export type { FieldsealMiddlewareOptions, ResponseMaskOptions } from '../src/http/http-options.js'
export type { ProblemDetails } from '../src/http/problem.js'
export type { FieldsealRequest } from '../src/http/request-state.js'
export { PROBLEM_CONTENT_TYPE } from '../src/http/problem.js'

declare module 'express-serve-static-core' {
  interface Request {
    /** Set by the fieldseal middleware: the request body's plaintext, for validation. */
    fieldseal?: FieldsealRequest
  }
}

function sendProblem(res: Response, error: FieldsealError): void {
  res
    .status(error.status)
    .set('Content-Type', PROBLEM_CONTENT_TYPE)
    .send(JSON.stringify(problemDetails(error)))
}

/** Routes `res.json` / `res.jsonp` (and so `res.send(object)`) through the response step. */
function wrapJson(
  res: Response,
  method: 'json' | 'jsonp',
  pipeline: HttpPipeline,
  state: FieldsealRequest,
  next: (error: unknown) => void,
) {
  const original = res[method] as (...args: unknown[]) => Response
  res[method] = function fieldsealJson(this: Response, ...args: unknown[]) {
    const at = args.length === 2 && typeof args[0] === 'number' ? 1 : 0 // Express 4's (status, body)
    pipeline.respond(args[at], state, (body) => original.apply(this, args.with(at, body)), next)
    return this
  }
}

/**
 * The middleware: decrypts `enc:` values in the parsed JSON body, encrypts the configured fields
 * in `req.body` (the plaintext is in `req.fieldseal`), and masks JSON responses. Mount it after
 * `express.json()`. Bad request data is answered here with a 4xx `application/problem+json` and
 * the handler does not run; other errors go to `next(err)`.
 *
 * @example
 * ```ts
 * import express from 'express'
 * import { createFieldseal } from 'fieldseal'
 * import { fieldseal, mask } from 'fieldseal/express'
 *
 * const sealer = createFieldseal({ fields: ['ssn', 'card'] })
 * const app = express()
 * app.use(express.json(), fieldseal(sealer, { mask: { rules: { '**.card': 'card' } } }))
 * app.post('/customers', (req, res) => res.status(201).json(db.insert(req.body)))
 * app.get('/customers/:id', mask({ decrypt: true, reveal: ['ssn'] }), (req, res) => {
 *   res.json(db.get(Number(req.params.id)))
 * })
 * ```
 */
export function fieldseal(
  sealer: Fieldseal,
  options?: Readonly<FieldsealMiddlewareOptions<Request>>,
): RequestHandler {
  const pipeline = createHttpPipeline(sealer, options)
  return function fieldsealMiddleware(req, res, next) {
    // Callbacks, not a promise: the handler runs in the same tick when no key reload is needed.
    pipeline.request(
      { body: req.body, headers: req.headers, bodyRead: req.readableEnded, request: req },
      (result) => {
        req.body = result.body
        req.fieldseal = result.fieldseal
        wrapJson(res, 'json', pipeline, result.fieldseal, next)
        wrapJson(res, 'jsonp', pipeline, result.fieldseal, next)
        next()
      },
      (error: unknown) => (isRequestDataError(error) ? sendProblem(res, error) : next(error)),
    )
  }
}

/**
 * Route-level masking of the JSON response, on top of the app-level `mask` option:
 * `router.get('/x', mask({ decrypt: true, rules: { ssn: 'ssn' } }), handler)`. Needs the
 * `fieldseal` middleware mounted before it.
 *
 * @example
 * ```ts
 * import express from 'express'
 *
 * const app = express()
 * app.get('/customers', mask({ decrypt: true, rules: { '[*].ssn': 'ssn' } }), (req, res) => {
 *   res.json(db.all())
 * })
 * ```
 */
export function mask(options?: Readonly<ResponseMaskOptions>): RequestHandler {
  const route = createRouteMask(options)
  return function maskMiddleware(req, _res, next) {
    try {
      useRouteMask(req.fieldseal, route)
    } catch (error) {
      next(error)
      return
    }
    next()
  }
}

/**
 * An error handler answering any `FieldsealError` (also those your own code throws) and the
 * JSON body parser's failures (malformed JSON 400, too large 413, unsupported charset or
 * encoding 415, as `ERR_FIELDSEAL_BODY_*`) with `application/problem+json`, never echoing the
 * body; 5xx answers carry a generic detail. What it answers is not passed on: give `onError` to
 * log it (it gets the coded error, never the parser's error with the raw body). Mount it before
 * any error logger of yours, so that the body parser's errors never reach one.
 *
 * @example
 * ```ts
 * import express from 'express'
 *
 * const app = express()
 * app.use(errorHandler({ onError: (error, req) => log.warn({ code: error.code, path: req.path }) }))
 * ```
 */
export function errorHandler(
  options?: Readonly<ErrorHandlerOptions<Request>>,
): ErrorRequestHandler {
  const onError = resolveErrorHandlerOptions(options)
  return function fieldsealErrorHandler(error, req, res, next) {
    const answer = error instanceof FieldsealError ? error : bodyParserError(error)
    if (answer === undefined || res.headersSent) {
      next(error)
      return
    }
    onError?.(answer, req)
    sendProblem(res, answer)
  }
}
