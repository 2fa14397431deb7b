/**
 * The framework-agnostic HTTP pipeline behind `fieldseal/express` and `fieldseal/koa`. It takes
 * and returns plain data (a parsed body, headers, a response body); the adapters only read
 * `req`/`ctx`, call it and map its errors, so both frameworks behave the same.
 *
 * @module
 */
import { BLIND_INDEX_KEY_ENV_VAR } from '../blind-index/blind-index.js'
import { FieldsealError } from '../errors.js'
import { checkBinding, type Binder } from '../core/binding.js'
import { encryptDocument } from '../core/field-ops.js'
import { configOf, type Fieldseal } from '../core/fieldseal.js'
import { addBlindIndexes, compileBlindIndex, type BlindIndexPlan } from './blind-index-fields.js'
import { resolveMiddlewareOptions, type FieldsealMiddlewareOptions } from './http-options.js'
import { createKeyRefresher } from './key-refresh.js'
import { assertDepth, assertParsed, isJsonContainer } from './request-body.js'
import { openRequest, requestModes, type OpenedRequest } from './request-open.js'
import {
  binderOf,
  createRequestState,
  routeSlotOf,
  sealMemoOf,
  type FieldsealRequest,
} from './request-state.js'
import { jsonDocument, transformResponse } from './response-body.js'
import { compileResponsePlan, type ResponsePlan } from './response-plan.js'
import { RouteMask } from './route-mask.js'
import { SealMemo } from './seal-memo.js'
import type { HttpPipeline, HttpRequestResult } from './pipeline-types.js'

export type { HttpPipeline, HttpRequestInput, HttpRequestResult } from './pipeline-types.js'

function responseFailed(error: unknown): unknown {
  if (!(error instanceof FieldsealError)) return error
  return new FieldsealError(
    'ERR_FIELDSEAL_RESPONSE_FAILED',
    `the JSON response could not be prepared (${error.code})`,
    {
      ...(error.path === undefined ? {} : { path: error.path }),
      ...(error.kid === undefined ? {} : { kid: error.kid }),
      cause: error,
    },
  )
}

/**
 * Creates the pipeline of one middleware; validates everything now. Throws
 * `ERR_FIELDSEAL_INVALID_OPTION` (unknown options get a "Did you mean"), `ERR_FIELDSEAL_INVALID_PATH`,
 * `ERR_FIELDSEAL_INVALID_KEY`, or `ERR_FIELDSEAL_NO_KEY` when a field asks for a blind index and
 * no blind-index key is configured.
 *
 * @example
 * ```ts
 * const pipeline = createHttpPipeline(fs, { mask: { rules: { '**.card': 'card' } } })
 * const { body, fieldseal } = await pipeline.request({ body: parsed, headers })
 * ```
 */
export function createHttpPipeline<R>(
  fieldseal: Fieldseal,
  options?: Readonly<FieldsealMiddlewareOptions<R>>,
): HttpPipeline {
  const config = configOf(fieldseal, 'fieldseal middleware')
  const settings = resolveMiddlewareOptions(options)
  const encrypt = settings.encrypt ?? config.fields
  const indexed = (encrypt ?? []).filter((field) => field.blindIndex)
  let blindIndexes: BlindIndexPlan | undefined
  const key = config.blindIndexKey
  if (indexed.length > 0 && key === undefined) {
    throw new FieldsealError(
      'ERR_FIELDSEAL_NO_KEY',
      `fieldseal middleware: fields ask for a blind index but the instance has no key (createFieldseal's blindIndexKey, or ${BLIND_INDEX_KEY_ENV_VAR})`,
    )
  }
  if (indexed.some((field) => field.blindIndex === 'bound') && settings.binding === undefined) {
    throw new FieldsealError(
      'ERR_FIELDSEAL_INVALID_OPTION',
      "fieldseal middleware: a field indexed blindIndex: 'bound' needs the binding option",
    )
  }
  if (key !== undefined && indexed.length > 0)
    blindIndexes = compileBlindIndex(indexed, key, settings.blindIndexSuffix)

  const refresher = createKeyRefresher(fieldseal, config, settings.keyRefreshInterval)
  const appPlan =
    settings.mask === undefined ? undefined : compileResponsePlan(settings.mask, undefined)
  const owner = {}

  const planFor = (state: FieldsealRequest | undefined): ResponsePlan | undefined => {
    const route = routeSlotOf(state)
    return route instanceof RouteMask ? route.planFor(owner, settings.mask) : appPlan
  }

  const respond: HttpPipeline['respond'] = (body, state, send, fail) => {
    const plan = planFor(state)
    if (plan === undefined) {
      send(body)
      return
    }
    const scope = { fields: encrypt, binder: binderOf(state), memo: sealMemoOf(state) }
    refresher.run(
      (current) => transformResponse(current, plan, body, scope),
      send,
      (error) => fail(responseFailed(error)),
    )
  }

  // Resolved once: every request decrypts the same way.
  const modes = requestModes(settings.decrypt, encrypt)
  const binding = settings.binding
  const binderFor = (request: unknown): Binder | undefined =>
    binding === undefined
      ? undefined
      : (path) => checkBinding(binding(request, path), 'fieldseal middleware binding')

  const seal = (opened: OpenedRequest, binder: Binder | undefined): HttpRequestResult => {
    const withIndexes =
      blindIndexes === undefined
        ? opened.base
        : addBlindIndexes(
            blindIndexes,
            opened.base,
            config.maxDepth,
            config.maxIndexedLength,
            binder,
          )
    // Per request: what this request seals, for its own response (see seal-memo.ts).
    const memo = new SealMemo()
    return {
      body: encryptDocument(config, withIndexes, encrypt, { observe: memo.observe, binder }),
      fieldseal: createRequestState(opened.plaintext, memo, binder),
    }
  }
  const sealOrFail = (
    opened: OpenedRequest,
    binder: Binder | undefined,
    done: (result: HttpRequestResult) => void,
    fail: (error: unknown) => void,
  ) => {
    let result: HttpRequestResult
    try {
      result = seal(opened, binder)
    } catch (error) {
      fail(error)
      return
    }
    done(result)
  }

  const handle: HttpPipeline['handle'] = ({ body, headers, bodyRead, request }, done, fail) => {
    const binder = binderFor(request)
    try {
      assertParsed(body, headers, bodyRead)
    } catch (error) {
      fail(error)
      return
    }
    if (!isJsonContainer(body)) {
      done({ body, fieldseal: createRequestState(body, undefined, binder) })
      return
    }
    try {
      assertDepth(body, config.maxDepth)
    } catch (error) {
      fail(error)
      return
    }
    if (modes.sealed === undefined) {
      sealOrFail({ base: body, plaintext: body }, binder, done, fail)
      return
    }
    refresher.run(
      (current) => openRequest(current, body, modes, binder),
      (opened) => sealOrFail(opened, binder, done, fail),
      fail,
    )
  }

  return {
    handle,
    request: (input) => new Promise((resolve, reject) => handle(input, resolve, reject)),
    respond,
    prepareResponse: (body, state) =>
      jsonDocument(body) === undefined
        ? Promise.resolve(body)
        : new Promise((resolve, reject) => respond(body, state, resolve, reject)),
  }
}

export { createRouteMask, useRouteMask } from './route-mask.js'
