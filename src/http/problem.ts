/**
 * Problem details (RFC 9457) for fieldseal errors, the one body every adapter answers with.
 *
 * The status comes from `httpStatusFor(code)` (src/errors.ts), so Express, Koa and Fastify agree. A 4xx
 * keeps the error's message as `detail` (messages name a path, a key id or an option — never a
 * value); a 5xx gets a generic `detail`, as its cause is the server's, not the client's.
 *
 * @module
 */
import { STATUS_CODES } from 'node:http'
import { FieldsealError, type FieldsealErrorCode } from '../errors.js'

/** Media type of a problem details body (RFC 9457 §3). */
export const PROBLEM_CONTENT_TYPE = 'application/problem+json'

/**
 * A problem details object. `type` is `about:blank`, so `title` is the status phrase (RFC 9457
 * §4.2.1); the extension member `code` tells problems apart, and `path` names the field.
 *
 * @example
 * ```json
 * { "type": "about:blank", "title": "Bad Request", "status": 400,
 *   "detail": "decryption failed", "code": "ERR_FIELDSEAL_DECRYPT_FAILED", "path": "cards[0].number" }
 * ```
 */
export interface ProblemDetails {
  readonly type: 'about:blank'
  readonly title: string
  readonly status: number
  readonly detail: string
  readonly code: FieldsealErrorCode
  /** Path of the field in the request body, when the problem is about one field. */
  readonly path?: string
}

// Says nothing about logs: what reaches them is the application's choice (errorHandler's onError).
const SERVER_DETAIL = 'the server could not process this request'

/**
 * The problem details of a fieldseal error.
 *
 * @example
 * ```ts
 * import type { ServerResponse } from 'node:http'
 *
 * function sendProblem(res: ServerResponse, error: FieldsealError): void {
 *   const problem = problemDetails(error) // { type, title, status, detail, code, path? }
 *   res.writeHead(problem.status, { 'content-type': PROBLEM_CONTENT_TYPE })
 *   res.end(JSON.stringify(problem))
 * }
 * ```
 */
export function problemDetails(error: FieldsealError): ProblemDetails {
  const status = error.status
  return {
    type: 'about:blank',
    title: STATUS_CODES[status] ?? 'Error',
    status,
    detail: status < 500 ? error.message : SERVER_DETAIL,
    code: error.code,
    ...(error.path === undefined ? {} : { path: error.path }),
  }
}

/**
 * True for a fieldseal error about the request's data (a 4xx): the middleware answers it
 * itself, and the handler does not run. Anything else goes to the framework's error handling.
 *
 * @example
 * ```ts
 * import type { NextFunction, Response } from 'express'
 *
 * function fail(error: unknown, res: Response, next: NextFunction): void {
 *   if (!isRequestDataError(error)) return next(error) // 5xx: the framework's error handling
 *   res.status(error.status).type(PROBLEM_CONTENT_TYPE).send(JSON.stringify(problemDetails(error)))
 * }
 * ```
 */
export function isRequestDataError(error: unknown): error is FieldsealError {
  return error instanceof FieldsealError && error.status < 500
}
