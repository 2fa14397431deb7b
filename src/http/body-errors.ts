/**
 * The failures of a JSON body parser (Express's `express.json()` / body-parser, Koa's
 * `@koa/bodyparser` / `koa-bodyparser`, both on raw-body and co-body, and Fastify's own content
 * type parser), turned into coded fieldseal errors that carry nothing of the body.
 *
 * A parser's error keeps the raw text it could not parse (`error.body`), and V8's JSON.parse
 * message quotes some of it; Express's default handler logs both, and Koa's logs the message.
 * The text is a request body: SSNs, card numbers. `errorHandler()` answers these failures with
 * the error made here — a fixed message, no `cause`, no body — so nothing downstream of it can
 * log the plaintext.
 *
 * @module
 */
import { FieldsealError, type FieldsealErrorCode } from '../errors.js'

/** The code and fixed message that answer one kind of parser failure. */
type Answer = readonly [FieldsealErrorCode, string]

const NOT_JSON: Answer = ['ERR_FIELDSEAL_BODY_MALFORMED', 'the request body is not valid JSON']
const LENGTH_MISMATCH: Answer = [
  'ERR_FIELDSEAL_BODY_MALFORMED',
  'the request body does not match its Content-Length',
]
const TOO_LARGE: Answer = [
  'ERR_FIELDSEAL_BODY_TOO_LARGE',
  'the request body is larger than the server accepts',
]

/** raw-body / body-parser `error.type` values, and what they become. */
const BY_TYPE: Readonly<Record<string, Answer>> = {
  'entity.parse.failed': NOT_JSON,
  'request.size.invalid': LENGTH_MISMATCH,
  'request.aborted': ['ERR_FIELDSEAL_BODY_MALFORMED', 'the request body was cut off'],
  'entity.too.large': TOO_LARGE,
  'parameters.too.many': [
    'ERR_FIELDSEAL_BODY_TOO_LARGE',
    'the request body has more parameters than the server accepts',
  ],
  'charset.unsupported': [
    'ERR_FIELDSEAL_BODY_UNSUPPORTED',
    'the request body is in a character set the server does not read',
  ],
  'encoding.unsupported': [
    'ERR_FIELDSEAL_BODY_UNSUPPORTED',
    'the request body has a Content-Encoding the server does not read',
  ],
}

/** Fastify's content type parser `error.code` values, and what they become. */
const BY_FASTIFY_CODE: Readonly<Record<string, Answer>> = {
  FST_ERR_CTP_INVALID_JSON_BODY: NOT_JSON,
  FST_ERR_CTP_EMPTY_JSON_BODY: ['ERR_FIELDSEAL_BODY_MALFORMED', 'the JSON request body is empty'],
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: LENGTH_MISMATCH,
  FST_ERR_CTP_BODY_TOO_LARGE: TOO_LARGE,
  FST_ERR_CTP_INVALID_MEDIA_TYPE: [
    'ERR_FIELDSEAL_BODY_UNSUPPORTED',
    'the request body has a media type the server does not read',
  ],
}

const known = (table: Readonly<Record<string, Answer>>, key: unknown) =>
  typeof key === 'string' && Object.hasOwn(table, key) ? table[key] : undefined

/**
 * The fieldseal error that answers a body parser's failure, or `undefined` when `error` is not
 * one. Recognised: raw-body's typed errors (`error.type`, as body-parser and both Koa parsers
 * throw them), co-body's JSON error (a `SyntaxError` with `status` 400 and the raw `body`) and
 * Fastify's content type parser errors (`error.code` `FST_ERR_CTP_*`).
 *
 * @example
 * ```ts
 * import type { ServerResponse } from 'node:http'
 *
 * function answerParserFailure(error: unknown, res: ServerResponse): boolean {
 *   const answer = bodyParserError(error) // ERR_FIELDSEAL_BODY_MALFORMED for malformed JSON, …
 *   if (answer === undefined) return false
 *   res.writeHead(answer.status, { 'content-type': PROBLEM_CONTENT_TYPE })
 *   res.end(JSON.stringify(problemDetails(answer))) // never the body the parser read
 *   return true
 * }
 * ```
 */
export function bodyParserError(error: unknown): FieldsealError | undefined {
  if (typeof error !== 'object' || error === null) return undefined
  const { type, status, code } = error as { type?: unknown; status?: unknown; code?: unknown }
  const found = known(BY_TYPE, type) ?? known(BY_FASTIFY_CODE, code)
  if (found !== undefined) return new FieldsealError(found[0], found[1])
  if (error instanceof SyntaxError && status === 400 && 'body' in error) {
    return new FieldsealError(...NOT_JSON)
  }
  return undefined
}
