/**
 * The failures of a JSON body parser (Express's `express.json()` / body-parser, Koa's
 * `@koa/bodyparser` / `koa-bodyparser`, both on raw-body and co-body), turned into coded
 * fieldseal errors that carry nothing of the body.
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

/** raw-body / body-parser `error.type` values, and what they become. */
const BY_TYPE: Readonly<Record<string, readonly [FieldsealErrorCode, string]>> = {
  'entity.parse.failed': ['ERR_FIELDSEAL_BODY_MALFORMED', 'the request body is not valid JSON'],
  'request.size.invalid': [
    'ERR_FIELDSEAL_BODY_MALFORMED',
    'the request body does not match its Content-Length',
  ],
  'request.aborted': ['ERR_FIELDSEAL_BODY_MALFORMED', 'the request body was cut off'],
  'entity.too.large': [
    'ERR_FIELDSEAL_BODY_TOO_LARGE',
    'the request body is larger than the server accepts',
  ],
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

/**
 * The fieldseal error that answers a body parser's failure, or `undefined` when `error` is not
 * one. Recognised: raw-body's typed errors (`error.type`, as body-parser and both Koa parsers
 * throw them) and co-body's JSON error (a `SyntaxError` with `status` 400 and the raw `body`).
 *
 * @example
 * ```ts
 * const answer = bodyParserError(error) // ERR_FIELDSEAL_BODY_MALFORMED for malformed JSON
 * if (answer !== undefined) sendProblem(res, answer)
 * ```
 */
export function bodyParserError(error: unknown): FieldsealError | undefined {
  if (typeof error !== 'object' || error === null) return undefined
  const { type, status } = error as { type?: unknown; status?: unknown }
  const known = typeof type === 'string' && Object.hasOwn(BY_TYPE, type) ? BY_TYPE[type] : undefined
  if (known !== undefined) return new FieldsealError(known[0], known[1])
  if (error instanceof SyntaxError && status === 400 && 'body' in error) {
    return new FieldsealError('ERR_FIELDSEAL_BODY_MALFORMED', 'the request body is not valid JSON')
  }
  return undefined
}
