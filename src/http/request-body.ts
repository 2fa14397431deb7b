/**
 * The inbound step, on a parsed JSON request body: decrypt the `enc:` values the client sent,
 * add blind indexes, encrypt the configured fields. The handler gets the encrypted copy as its
 * body and the plaintext through the accessor; the parsed body itself is never mutated.
 *
 * A JSON request whose body was not parsed (the middleware mounted before the body parser, or
 * a parser that skipped it) is refused with `ERR_FIELDSEAL_BODY_NOT_PARSED`: passing it on
 * would let the handler store what it reads from the raw body in plaintext.
 *
 * @module
 */
import { FieldsealError } from '../errors.js'
import { appendPath } from '../paths/parse.js'
import { isPlainObject } from '../paths/walk.js'

/** Request headers as Node (and every framework on it) exposes them. */
export type HttpHeaders = Readonly<Record<string, string | readonly string[] | undefined>>

/** `application/json` and every `application/…+json`, parameters allowed. */
const JSON_MEDIA_TYPE = /^\s*application\/(?:[\w.!#$%&'*^`|~-]+\+)?json\s*(?:;|$)/i

function header(headers: HttpHeaders, name: string): string | undefined {
  const value = headers[name]
  return typeof value === 'string' ? value : value?.[0]
}

/** True when the request declares a JSON body with content (RFC 9110 §8.6, §6.1). */
export function hasJsonBody(headers: HttpHeaders): boolean {
  const type = header(headers, 'content-type')
  if (type === undefined || !JSON_MEDIA_TYPE.test(type)) return false
  if (header(headers, 'transfer-encoding') !== undefined) return true
  const length = Number(header(headers, 'content-length'))
  return Number.isFinite(length) && length > 0
}

/** A parsed JSON object or array: what the middleware works on. */
export function isJsonContainer(body: unknown): body is object {
  return Array.isArray(body) || isPlainObject(body)
}

/** An object without own keys, which is what some parsers leave for a body they skipped. */
function isEmptyObject(body: unknown): boolean {
  if (!isPlainObject(body)) return false
  for (const key in body) if (Object.hasOwn(body, key)) return false
  return true
}

/**
 * Throws `ERR_FIELDSEAL_BODY_NOT_PARSED` for a JSON request that arrives without a parsed body:
 * `undefined`, still text or bytes, or — when `bodyRead` says the request stream was never read —
 * the empty object Express 4's `express.json()` and `koa-bodyparser` leave for a JSON type they
 * do not parse (`application/vnd.api+json`, `application/x-custom+json`).
 *
 * @example
 * ```ts
 * assertParsed(req.body, req.headers, req.readableEnded)
 * ```
 */
export function assertParsed(body: unknown, headers: HttpHeaders, bodyRead?: boolean): void {
  const unparsed =
    body === undefined ||
    typeof body === 'string' ||
    ArrayBuffer.isView(body) ||
    (bodyRead === false && isEmptyObject(body))
  if (unparsed && hasJsonBody(headers)) {
    throw new FieldsealError(
      'ERR_FIELDSEAL_BODY_NOT_PARSED',
      'a JSON request body reached fieldseal unparsed: mount the JSON body parser (express.json(), @koa/bodyparser) before the fieldseal middleware',
    )
  }
}

/**
 * Throws `ERR_FIELDSEAL_TOO_DEEP` when containers nest deeper than `maxDepth` (the top-level
 * object is level 1, as in every walk). Used when no full walk checks it already.
 */
export function assertDepth(root: unknown, maxDepth: number): void {
  const steps: Array<string | number> = []
  const visit = (value: unknown, depth: number): void => {
    if (typeof value !== 'object' || value === null) return
    if (depth > maxDepth) {
      const path = steps.reduce<string>((parent, step) => appendPath(parent, step), '')
      throw new FieldsealError(
        'ERR_FIELDSEAL_TOO_DEEP',
        `data nested deeper than ${maxDepth} levels`,
        { path },
      )
    }
    const entries: Iterable<[string | number, unknown]> = Array.isArray(value)
      ? value.entries()
      : isPlainObject(value)
        ? Object.entries(value)
        : []
    for (const [step, item] of entries) {
      steps.push(step)
      visit(item, depth + 1)
      steps.pop()
    }
  }
  visit(root, 1)
}
