/**
 * Framework-neutral pieces of the customers API: the admin check, problem bodies and the
 * response headers both examples send.
 *
 * @module
 */
import { createHash, timingSafeEqual } from 'node:crypto'
import type { Fieldseal } from 'fieldseal'
import type { FieldProblem } from './customer-fields.js'
import type { CustomerDatabase } from './database.js'

/**
 * The admin token of the demo when `DEMO_ADMIN_TOKEN` is not set. Development only.
 *
 * @example
 * ```sh
 * curl localhost:3000/customers/1 -H 'Authorization: Bearer dev-admin-token'
 * ```
 */
/** What `createApp` of either example needs. */
export interface CustomersAppOptions {
  /** An open database (see `openDatabase`). */
  readonly db: CustomerDatabase
  /** A fieldseal instance configured with `CUSTOMER_FIELDS` and a blind-index key. */
  readonly fieldseal: Fieldseal
  /** Bearer token that may see customers in full. Defaults to `DEMO_ADMIN_TOKEN`, else `'dev-admin-token'`. */
  readonly adminToken?: string
}

export const DEV_ADMIN_TOKEN = 'dev-admin-token'

/** Media type of a problem details body (RFC 9457). */
export const PROBLEM_TYPE = 'application/problem+json'

/**
 * Personal data must not be cached by proxies or browsers, and a response depends on who asks.
 *
 * @example
 * ```ts
 * res.set(PRIVATE_HEADERS)
 * ```
 */
export const PRIVATE_HEADERS: Readonly<Record<string, string>> = {
  'Cache-Control': 'no-store',
  Vary: 'Authorization',
}

const digest = (text: string) => createHash('sha256').update(text).digest()

/**
 * True when `authorization` is `Bearer <token>`. Compared in constant time over digests, so the
 * answer time tells nothing about the token or its length.
 *
 * @example
 * ```ts
 * isAuthorised(req.get('authorization'), adminToken)
 * ```
 */
export function isAuthorised(authorization: string | undefined, token: string): boolean {
  const match = /^Bearer (\S+)$/i.exec(authorization ?? '')
  if (match === null) return false
  return timingSafeEqual(digest(match[1] as string), digest(token))
}

/**
 * The 422 answer to an invalid customer: which fields, what was expected, never the values.
 *
 * @example
 * ```ts
 * res.status(422).type(PROBLEM_TYPE).send(invalidCustomer(problems))
 * ```
 */
export function invalidCustomer(problems: readonly FieldProblem[]) {
  return {
    type: 'about:blank',
    title: 'Unprocessable Content',
    status: 422,
    detail: `invalid fields: ${problems.map((problem) => problem.field || '(body)').join(', ')}`,
    errors: problems,
  }
}

/**
 * The 404 answer to an unknown customer id.
 *
 * @example
 * ```ts
 * res.status(404).type(PROBLEM_TYPE).send(notFound())
 * ```
 */
export function notFound() {
  return { type: 'about:blank', title: 'Not Found', status: 404, detail: 'no such customer' }
}

/**
 * A customer id from a URL segment, or `undefined` when it is not a positive integer.
 *
 * @example
 * ```ts
 * const id = customerId(req.params.id)
 * ```
 */
export function customerId(text: string | undefined): number | undefined {
  if (text === undefined || !/^[1-9]\d{0,15}$/.test(text)) return undefined
  const id = Number(text)
  return Number.isSafeInteger(id) ? id : undefined
}
