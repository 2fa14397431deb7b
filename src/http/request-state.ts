/**
 * What the middleware leaves for the handler (`req.fieldseal` in Express,
 * `ctx.state.fieldseal` in Koa): the request body as the client meant it — `enc:` values
 * decrypted, configured fields not yet encrypted — for validation. The handler's `req.body` /
 * `ctx.request.body` holds the encrypted copy, which is what it should persist.
 *
 * @module
 */
import { FieldsealError } from '../errors.js'
import { parsePath } from '../path-parse.js'
import type { SealMemo } from './seal-memo.js'

/**
 * The per-request accessor of the middleware.
 *
 * @example
 * ```ts
 * app.post('/customers', (req, res) => {
 *   const ssn = req.fieldseal?.get('ssn') // '123-45-6789' — req.body.ssn is 'enc:v1:…'
 *   if (typeof ssn !== 'string' || !/^\d{3}-\d{2}-\d{4}$/.test(ssn)) return res.status(422).end()
 *   db.insert(req.body)
 * })
 * ```
 */
export interface FieldsealRequest {
  /**
   * The parsed request body with `enc:` values decrypted and before encryption; for a body that
   * is not a JSON object or array, the body as it is. Read it to validate; persist the body.
   */
  readonly plaintext: unknown
  /**
   * The plaintext value at a path without wildcards, such as `'ssn'` or `'cards[0].number'`;
   * `undefined` when there is none. Only own properties are read.
   */
  get(path: string): unknown
}

/** What fieldseal keeps per request, never on the public object. */
class Slots {
  /** The route-level mask the adapters' `mask()` sets. */
  route: unknown = undefined
  constructor(readonly memo: SealMemo | undefined) {}
}

/** Keyed by the request's own state object: entries die with the request. */
const slots = new WeakMap<FieldsealRequest, Slots>()

function readPath(root: unknown, path: string): unknown {
  let value = root
  for (const segment of parsePath(path)) {
    if (segment.kind === 'any' || segment.kind === 'deep') {
      throw new FieldsealError(
        'ERR_FIELDSEAL_INVALID_PATH',
        `get() takes a path without wildcards, not "${path}"`,
        { path },
      )
    }
    if (typeof value !== 'object' || value === null) return undefined
    const step = segment.kind === 'key' ? segment.name : segment.index
    // Keys name object properties and indexes array elements: `cards.length` is not data.
    if (Array.isArray(value) !== (segment.kind === 'index')) return undefined
    if (!Object.hasOwn(value, step)) return undefined
    value = (value as Record<string | number, unknown>)[step]
  }
  return value
}

/**
 * Builds the accessor for one request; `memo` holds what this request's inbound step sealed
 * (src/http/seal-memo.ts), for its response only.
 */
export function createRequestState(plaintext: unknown, memo?: SealMemo): FieldsealRequest {
  const state: FieldsealRequest = {
    plaintext,
    get: (path) => readPath(plaintext, path),
  }
  slots.set(state, new Slots(memo))
  return Object.freeze(state)
}

/** True for an accessor made by {@link createRequestState}. */
export function isRequestState(value: unknown): value is FieldsealRequest {
  return typeof value === 'object' && value !== null && slots.has(value as FieldsealRequest)
}

/** Stores the route-level mask of this request (the last `mask()` on the route wins). */
export function setRouteSlot(state: FieldsealRequest, value: unknown): void {
  const own = slots.get(state)
  if (own === undefined) throw new TypeError('not a fieldseal request state')
  own.route = value
}

/** The route-level mask stored for this request, if any. */
export function routeSlotOf(state: FieldsealRequest | undefined): unknown {
  return state === undefined ? undefined : slots.get(state)?.route
}

/** What this request's inbound step sealed, if anything. */
export function sealMemoOf(state: FieldsealRequest | undefined): SealMemo | undefined {
  return state === undefined ? undefined : slots.get(state)?.memo
}
