/**
 * The shape of the HTTP pipeline (src/http/pipeline.ts) as an adapter sees it: what it hands in
 * for a request, what it gets back, and the call it makes for a response.
 *
 * One shape, callbacks: each step calls `done` (or `send`) in the same tick unless keys must be
 * reloaded first, so a framework that goes on synchronously (Express's `next()`, Fastify's hook
 * `done`) is not made to wait for a promise on every request. A framework built on promises
 * (Koa) wraps a step in `new Promise((resolve, reject) => pipeline.request(input, resolve,
 * reject))`.
 *
 * @module
 */
import type { HttpHeaders } from './request-body.js'
import type { FieldsealRequest } from './request-state.js'

/** What the inbound step needs from a request. */
export interface HttpRequestInput {
  /** The parsed body (`req.body`, `ctx.request.body`, `request.body`). */
  readonly body: unknown
  readonly headers: HttpHeaders
  /**
   * Whether the request stream was read to its end (`req.readableEnded`). With `false`, an
   * empty object body of a JSON request is taken as unparsed: no parser read the stream.
   */
  readonly bodyRead?: boolean
  /** The framework's request (`req`, `ctx`), handed to the `binding` option. */
  readonly request?: unknown
}

/** What the inbound step gives back. */
export interface HttpRequestResult {
  /** The body the handler receives: configured fields encrypted, blind indexes added. */
  readonly body: unknown
  /** The accessor to expose as `req.fieldseal` / `ctx.state.fieldseal`. */
  readonly fieldseal: FieldsealRequest
}

/**
 * The pipeline of one middleware: the seam between fieldseal and an HTTP framework. An adapter
 * calls {@link HttpPipeline.request} before the handler and {@link HttpPipeline.respond} for
 * each JSON response, and answers bad request data itself (`isRequestDataError`,
 * `problemDetails`); everything else goes to the framework's error handling.
 */
export interface HttpPipeline {
  /**
   * Decrypts, indexes and encrypts a request body, then calls `done` with the body the handler
   * gets and the accessor, or `fail` with a coded `FieldsealError`: a 4xx for bad request data
   * (the handler must not run), a 5xx for configuration or key-store faults. Exactly one of
   * them is called, in the same tick unless keys must be reloaded first.
   */
  request(
    input: HttpRequestInput,
    done: (result: HttpRequestResult) => void,
    fail: (error: unknown) => void,
  ): void
  /**
   * Prepares a value the framework will send as JSON (serialised with `JSON.stringify` or
   * alike) for `state`'s route and passes it to `send` — in the same tick unless keys must be
   * reloaded first. It is masked as it will be serialised: `toJSON()` and class instances at any
   * depth; the handler's object is never mutated. Failures go to `fail` as
   * `ERR_FIELDSEAL_RESPONSE_FAILED` (500; the original error is its `cause`). A framework that
   * sends text, bytes and streams as they are calls it only for bodies {@link isJsonBody} takes.
   */
  respond(
    body: unknown,
    state: FieldsealRequest | undefined,
    send: (body: unknown) => void,
    fail: (error: unknown) => void,
  ): void
}
