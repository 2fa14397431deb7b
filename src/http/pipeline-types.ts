/**
 * The shape of the HTTP pipeline (src/http/pipeline.ts) as an adapter sees it: what it hands in
 * for a request, what it gets back, and the calls it makes for a response.
 *
 * @module
 */
import type { HttpHeaders } from './request-body.js'
import type { FieldsealRequest } from './request-state.js'

/** What the inbound step needs from a request. */
export interface HttpRequestInput {
  /** The parsed body (`req.body`, `ctx.request.body`). */
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

/** The pipeline of one middleware. */
export interface HttpPipeline {
  /**
   * Decrypts, indexes and encrypts a request body. Rejects with a coded `FieldsealError`: a 4xx
   * for bad request data (the handler must not run), a 5xx for configuration or key-store faults.
   */
  request(input: HttpRequestInput): Promise<HttpRequestResult>
  /**
   * {@link HttpPipeline.request} with callbacks: `done` runs in the same tick unless keys must be
   * reloaded first, so a framework can go on without waiting for a promise. Exactly one of
   * `done` and `fail` is called.
   */
  handle(
    input: HttpRequestInput,
    done: (result: HttpRequestResult) => void,
    fail: (error: unknown) => void,
  ): void
  /**
   * Prepares a value the framework will send with `JSON.stringify` (Express's `res.json`) for
   * `state`'s route and passes it to `send` — in the same tick unless keys must be reloaded
   * first. It is masked as it will be serialised: `toJSON()` and class instances at any depth.
   * Failures go to `fail` as `ERR_FIELDSEAL_RESPONSE_FAILED` (500; the original error is its
   * `cause`).
   */
  respond(
    body: unknown,
    state: FieldsealRequest | undefined,
    send: (body: unknown) => void,
    fail: (error: unknown) => void,
  ): void
  /**
   * {@link HttpPipeline.respond} as a promise, for a body the framework may also send as it is
   * (Koa's `ctx.body`): text, buffers, streams, blobs and fetch `Response`s are passed on.
   */
  prepareResponse(body: unknown, state: FieldsealRequest | undefined): Promise<unknown>
}
