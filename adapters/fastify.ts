/**
 * `fieldseal/fastify`: the fieldseal plugin for Fastify 5. Framework glue only — the work is
 * done by the core pipeline (`fieldseal/http`, src/http/pipeline.ts), shared with the Express
 * and Koa adapters.
 *
 * Where it sits in Fastify's lifecycle: the request step is a `preHandler` hook (after the body
 * is parsed and validated, so a schema sees what the client sent), the response step a
 * `preSerialization` hook (every object Fastify sends as JSON passes it; strings, buffers and
 * streams do not, as in Koa).
 *
 * @module
 */
import type {
  FastifyError,
  FastifyPluginCallback,
  FastifyReply,
  FastifyRequest,
  preHandlerHookHandler,
} from 'fastify'
// Only what a third-party adapter has too: the root entry point and `fieldseal/http`.
import { FieldsealError, type Fieldseal } from '../src/index.js'
import {
  bodyParserError,
  createHttpPipeline,
  createRouteMask,
  isRequestDataError,
  PROBLEM_CONTENT_TYPE,
  problemDetails,
  resolveErrorHandlerOptions,
  useRouteMask,
  type ErrorHandlerOptions,
  type FieldsealMiddlewareOptions,
  type FieldsealRequest,
  type ResponseMaskOptions,
} from '../src/http/index.js'

export type {
  ErrorHandlerOptions,
  FieldsealMiddlewareOptions,
  FieldsealRequest,
  ProblemDetails,
  ResponseMaskOptions,
} from '../src/http/index.js'
export { PROBLEM_CONTENT_TYPE } from '../src/http/index.js'

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the fieldseal plugin: the request body's plaintext, for validation. */
    fieldseal?: FieldsealRequest | undefined
  }
}

function sendProblem(reply: FastifyReply, error: FieldsealError): void {
  // A string with its own type is sent as it is: no serialiser, no preSerialization hook.
  reply
    .code(error.status)
    .type(PROBLEM_CONTENT_TYPE)
    .send(JSON.stringify(problemDetails(error)))
}

/**
 * The plugin: decrypts `enc:` values in the parsed JSON body, encrypts the configured fields in
 * `request.body` (the plaintext is in `request.fieldseal`), and masks JSON responses. Register
 * it before your routes; it applies to the whole instance (it is not encapsulated). Bad request
 * data is answered here with a 4xx `application/problem+json` and the handler does not run;
 * other errors go to Fastify's error handler.
 *
 * @example
 * ```ts
 * import Fastify from 'fastify'
 * import { createFieldseal } from 'fieldseal'
 * import { errorHandler, fieldseal, mask } from 'fieldseal/fastify'
 *
 * const sealer = createFieldseal({ fields: ['ssn', 'card'] })
 * const app = Fastify()
 * app.setErrorHandler(errorHandler())
 * app.register(fieldseal(sealer, { mask: { rules: { '**.card': 'card' } } }))
 * app.post('/customers', async (request, reply) => reply.code(201).send(db.insert(request.body)))
 * app.get<{ Params: { id: string } }>(
 *   '/customers/:id',
 *   { preHandler: mask({ decrypt: true, reveal: ['ssn'] }) },
 *   async (request, reply) => db.get(Number(request.params.id)) ?? reply.code(404).send(),
 * )
 * ```
 */
export function fieldseal(
  sealer: Fieldseal,
  options?: Readonly<FieldsealMiddlewareOptions<FastifyRequest>>,
): FastifyPluginCallback {
  const pipeline = createHttpPipeline(sealer, options)
  const plugin: FastifyPluginCallback = function fieldsealPlugin(instance, _options, done) {
    if (!instance.hasRequestDecorator('fieldseal')) instance.decorateRequest('fieldseal', undefined)
    instance.addHook('preHandler', function fieldsealMiddleware(request, reply, next) {
      const input = {
        body: request.body,
        headers: request.headers,
        bodyRead: request.raw.readableEnded,
        request,
      }
      pipeline.request(
        input,
        (result) => {
          request.body = result.body
          request.fieldseal = result.fieldseal
          next()
        },
        // Answered here, so next is not called: the handler does not run.
        (error: unknown) =>
          isRequestDataError(error) ? sendProblem(reply, error) : next(asError(error)),
      )
    })
    instance.addHook(
      'preSerialization',
      function fieldsealResponse(request, _reply, payload, next) {
        pipeline.respond(
          payload,
          request.fieldseal,
          (body) => next(null, body),
          (error) => next(asError(error)),
        )
      },
    )
    done()
  }
  // What fastify-plugin sets: the hooks apply to the instance the plugin is registered on.
  Object.assign(plugin, {
    [Symbol.for('skip-override')]: true,
    [Symbol.for('fastify.display-name')]: 'fieldseal',
  })
  return plugin
}

/** Fastify's hook callbacks take an `Error`; anything else thrown is wrapped, never dropped. */
function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error('non-error thrown', { cause: error })
}

/**
 * Route-level masking of the JSON response, on top of the plugin's `mask` option, as a route's
 * `preHandler`. Needs the plugin registered.
 *
 * @example
 * ```ts
 * import Fastify from 'fastify'
 *
 * const app = Fastify()
 * app.get<{ Params: { id: string } }>(
 *   '/customers/:id',
 *   { preHandler: mask({ decrypt: true, reveal: ['ssn'] }) },
 *   async (request, reply) => db.get(Number(request.params.id)) ?? reply.code(404).send(),
 * )
 * ```
 */
export function mask(options?: Readonly<ResponseMaskOptions>): preHandlerHookHandler {
  const route = createRouteMask(options)
  return function maskMiddleware(request, _reply, next) {
    try {
      useRouteMask(request.fieldseal, route)
    } catch (error) {
      next(asError(error))
      return
    }
    next()
  }
}

/**
 * An error handler (`app.setErrorHandler(errorHandler())`) answering any `FieldsealError` (also
 * those your own code throws) and Fastify's body parsing failures (malformed or empty JSON 400,
 * too large 413, unsupported media type 415, as `ERR_FIELDSEAL_BODY_*`) with
 * `application/problem+json`, never echoing the body; 5xx answers carry a generic detail. Any
 * other error goes on to the parent error handler. `onError` gets each error it answers.
 *
 * @example
 * ```ts
 * import Fastify from 'fastify'
 *
 * const app = Fastify()
 * app.setErrorHandler(errorHandler({ onError: (error, request) => request.log.warn({ code: error.code }) }))
 * ```
 */
export function errorHandler(
  options?: Readonly<ErrorHandlerOptions<FastifyRequest>>,
): (error: FastifyError, request: FastifyRequest, reply: FastifyReply) => void {
  const onError = resolveErrorHandlerOptions(options)
  return function fieldsealErrorHandler(error, request, reply) {
    const answer = error instanceof FieldsealError ? error : bodyParserError(error)
    // Thrown from an error handler, an error goes to the parent handler.
    if (answer === undefined || reply.sent) throw error
    onError?.(answer, request)
    sendProblem(reply, answer)
  }
}
