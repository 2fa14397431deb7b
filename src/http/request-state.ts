/**
 * What the middleware leaves for the handler (`req.fieldseal` in Express,
 * `ctx.state.fieldseal` in Koa): the request body as the client meant it — `enc:` values
 * decrypted, configured fields not yet encrypted — for validation. The handler's `req.body` /
 * `ctx.request.body` holds the encrypted copy, which is what it should persist.
 *
 * @module
 */
import type { Binder } from '../core/binding.js'
import { FieldsealError } from '../errors.js'
import { parsePath } from '../paths/parse.js'
import type { SealMemo } from './seal-memo.js'

/**
 * The per-request accessor of the middleware.
 *
 * @example
 * ```ts
 * import express from 'express'
 * import { fieldseal } from 'fieldseal/express'
 *
 * const app = express()
 * app.use(express.json(), fieldseal(sealer))
 * app.post('/customers', (req, res) => {
 *   const ssn = req.fieldseal?.get('ssn') // '123-45-6789' — req.body.ssn is 'enc:v1:…'
 *   if (typeof ssn !== 'string' || !/^\d{3}-\d{2}-\d{4}$/.test(ssn)) {
 *     res.status(422).end()
 *     return
 *   }
 *   res.status(201).json(db.insert(req.body))
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
 * The accessor of one request. What fieldseal keeps for itself (the route-level mask, the seal
 * memo) sits in private fields: never on the public object, and gone with the request.
 */
class RequestState implements FieldsealRequest {
  readonly plaintext: unknown
  /** An own function, so that `const { get } = req.fieldseal` works. */
  readonly get: (path: string) => unknown
  #route: unknown = undefined
  readonly #memo: SealMemo | undefined
  readonly #binder: Binder | undefined

  constructor(plaintext: unknown, memo: SealMemo | undefined, binder: Binder | undefined) {
    this.plaintext = plaintext
    this.get = (path) => readPath(plaintext, path)
    this.#memo = memo
    this.#binder = binder
    Object.freeze(this) // private fields stay writable: they are not properties
  }

  static is(value: unknown): value is RequestState {
    return typeof value === 'object' && value !== null && #route in value
  }

  static setRoute(state: RequestState, value: unknown): void {
    state.#route = value
  }

  static routeOf(state: RequestState): unknown {
    return state.#route
  }

  static memoOf(state: RequestState): SealMemo | undefined {
    return state.#memo
  }

  static binderOf(state: RequestState): Binder | undefined {
    return state.#binder
  }
}

/**
 * Builds the accessor for one request; `memo` holds what this request's inbound step sealed
 * (src/http/seal-memo.ts) and `binder` its record binding, for its response only.
 */
export function createRequestState(
  plaintext: unknown,
  memo?: SealMemo,
  binder?: Binder,
): FieldsealRequest {
  return new RequestState(plaintext, memo, binder)
}

/** True for an accessor made by {@link createRequestState}. */
export function isRequestState(value: unknown): value is FieldsealRequest {
  return RequestState.is(value)
}

/** Stores the route-level mask of this request (the last `mask()` on the route wins). */
export function setRouteSlot(state: FieldsealRequest, value: unknown): void {
  if (!RequestState.is(state)) throw new TypeError('not a fieldseal request state')
  RequestState.setRoute(state, value)
}

/** The route-level mask stored for this request, if any. */
export function routeSlotOf(state: FieldsealRequest | undefined): unknown {
  return RequestState.is(state) ? RequestState.routeOf(state) : undefined
}

/** What this request's inbound step sealed, if anything. */
export function sealMemoOf(state: FieldsealRequest | undefined): SealMemo | undefined {
  return RequestState.is(state) ? RequestState.memoOf(state) : undefined
}

/** The record binding of this request (the middleware's `binding` option), if any. */
export function binderOf(state: FieldsealRequest | undefined): Binder | undefined {
  return RequestState.is(state) ? RequestState.binderOf(state) : undefined
}
