/**
 * Route-level masking (`mask()` in every adapter): a route's options, validated when `mask()`
 * is called, stored in the request's state by `useRouteMask` and compiled — merged with the
 * app's — on first use by each middleware.
 *
 * @module
 */
import { FieldsealError } from '../errors.js'
import { resolveMaskSpec, type MaskSpec, type ResponseMaskOptions } from './http-options.js'
import { isRequestState, setRouteSlot } from './request-state.js'
import { compileResponsePlan, type ResponsePlan } from './response-plan.js'

/**
 * A route's masking options, validated when `mask()` is called; compiled (merged with the app's)
 * on first use by each middleware.
 */
export class RouteMask {
  readonly #spec: MaskSpec
  readonly #plans = new WeakMap<object, ResponsePlan>()

  constructor(options: Readonly<ResponseMaskOptions> | undefined) {
    this.#spec = resolveMaskSpec(options, 'mask()')
  }

  /** The plan of this route under the app-level spec of the middleware `owner`. */
  planFor(owner: object, app: MaskSpec | undefined): ResponsePlan {
    let plan = this.#plans.get(owner)
    if (plan === undefined) {
      plan = compileResponsePlan(app, this.#spec)
      this.#plans.set(owner, plan)
    }
    return plan
  }
}

/**
 * Validates a route's masking options now and returns what `useRouteMask` stores per request.
 *
 * @example
 * ```ts
 * const route = createRouteMask({ decrypt: true, rules: { ssn: 'ssn' } })
 * ```
 */
export function createRouteMask(options?: Readonly<ResponseMaskOptions>): RouteMask {
  return new RouteMask(options)
}

/**
 * Applies a route's masking to the current request. Throws `ERR_FIELDSEAL_INVALID_OPTION` when
 * the fieldseal middleware did not run before (nothing would mask the response).
 */
export function useRouteMask(state: unknown, route: RouteMask): void {
  if (!isRequestState(state)) {
    throw new FieldsealError(
      'ERR_FIELDSEAL_INVALID_OPTION',
      'mask() needs the fieldseal middleware mounted before it (app.use(fieldseal(sealer)))',
    )
  }
  setRouteSlot(state, route)
}
