/**
 * The framework-agnostic HTTP pipeline behind `fieldseal/express`, `fieldseal/koa` and
 * `fieldseal/fastify`, and the seam for any other framework (`fieldseal/http`). It takes and
 * returns plain data (a parsed body, headers, a response body); the adapters only read the
 * framework's request, call it and map its errors, so every framework behaves the same.
 *
 * @module
 */
import { BLIND_INDEX_KEY_ENV_VAR } from '../blind-index/blind-index.js'
import { FieldsealError } from '../errors.js'
import { checkBinding, type Binder } from '../core/binding.js'
import { encryptDocument } from '../core/field-ops.js'
import { configOf, type Fieldseal } from '../core/fieldseal.js'
import { addBlindIndexes, compileBlindIndex, type BlindIndexPlan } from './blind-index-fields.js'
import type { FieldsealConfig, ResolvedField } from '../core/options.js'
import { resolveMiddlewareOptions, type FieldsealMiddlewareOptions } from './http-options.js'
import { createKeyRefresher } from './key-refresh.js'
import { assertDepth, assertParsed, isJsonContainer } from './request-body.js'
import { openRequest, requestModes, type OpenedRequest } from './request-open.js'
import { binderOf, createRequestState, routeSlotOf, sealMemoOf } from './request-state.js'
import { transformResponse } from './response-body.js'
import { compileResponsePlan } from './response-plan.js'
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

/** The blind indexes the middleware writes, compiled once; `undefined` when no field asks. */
function blindIndexPlan(
  config: FieldsealConfig,
  encrypt: readonly ResolvedField[] | undefined,
  bound: boolean,
  suffix: string,
): BlindIndexPlan | undefined {
  const indexed = (encrypt ?? []).filter((field) => field.blindIndex)
  if (indexed.length === 0) return undefined
  const key = config.blindIndexKey
  if (key === undefined) {
    throw new FieldsealError(
      'ERR_FIELDSEAL_NO_KEY',
      `fieldseal middleware: fields ask for a blind index but the instance has no key (createFieldseal's blindIndexKey, or ${BLIND_INDEX_KEY_ENV_VAR})`,
    )
  }
  if (indexed.some((field) => field.blindIndex === 'bound') && !bound) {
    throw new FieldsealError(
      'ERR_FIELDSEAL_INVALID_OPTION',
      "fieldseal middleware: a field indexed blindIndex: 'bound' needs the binding option",
    )
  }
  return compileBlindIndex(indexed, key, suffix)
}

/**
 * Creates the pipeline of one middleware; validates everything now. Throws
 * `ERR_FIELDSEAL_INVALID_OPTION` (unknown options get a "Did you mean"), `ERR_FIELDSEAL_INVALID_PATH`,
 * or `ERR_FIELDSEAL_NO_KEY` when a field asks for a blind index and the instance has no
 * blind-index key. This is the seam for a framework fieldseal has no adapter for: see
 * {@link HttpPipeline}, and adapters/express.ts for a complete adapter.
 *
 * @example
 * ```ts
 * import type { IncomingMessage } from 'node:http'
 *
 * const pipeline = createHttpPipeline(sealer, { mask: { rules: { '**.card': 'card' } } })
 *
 * function beforeHandler(
 *   req: IncomingMessage & { body?: unknown },
 *   handle: (body: unknown, state: FieldsealRequest) => void,
 *   answer: (error: unknown) => void,
 * ): void {
 *   pipeline.request(
 *     { body: req.body, headers: req.headers, bodyRead: req.readableEnded, request: req },
 *     (result) => handle(result.body, result.fieldseal),
 *     answer,
 *   )
 * }
 * ```
 */
export function createHttpPipeline<R>(
  fieldseal: Fieldseal,
  options?: Readonly<FieldsealMiddlewareOptions<R>>,
): HttpPipeline {
  const config = configOf(fieldseal, 'fieldseal middleware')
  const settings = resolveMiddlewareOptions(options)
  const encrypt = settings.encrypt ?? config.fields
  const binding = settings.binding
  const blindIndexes = blindIndexPlan(
    config,
    encrypt,
    binding !== undefined,
    settings.blindIndexSuffix,
  )
  const refresher = createKeyRefresher(config, settings.keyRefreshInterval)
  const appPlan =
    settings.mask === undefined ? undefined : compileResponsePlan(settings.mask, undefined)
  const owner = {}
  // Resolved once: every request decrypts the same way.
  const modes = requestModes(settings.decrypt, encrypt)
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

  /** Seals what was opened and hands it on: `done` is called outside the try, never twice. */
  const sealThen = (
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

  const request: HttpPipeline['request'] = (input, done, fail) => {
    const { body, headers, bodyRead } = input
    const binder = binderFor(input.request)
    try {
      assertParsed(body, headers, bodyRead)
      if (isJsonContainer(body)) assertDepth(body, config.maxDepth)
    } catch (error) {
      fail(error)
      return
    }
    if (!isJsonContainer(body)) {
      done({ body, fieldseal: createRequestState(body, undefined, binder) })
    } else if (modes.sealed === undefined) {
      sealThen({ base: body, plaintext: body }, binder, done, fail)
    } else {
      refresher.run(
        (current) => openRequest(current, body, modes, binder),
        (opened) => sealThen(opened, binder, done, fail),
        fail,
      )
    }
  }

  const respond: HttpPipeline['respond'] = (body, state, send, fail) => {
    const route = routeSlotOf(state)
    const plan = route instanceof RouteMask ? route.planFor(owner, settings.mask) : appPlan
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

  return { request, respond }
}

export { createRouteMask, useRouteMask } from './route-mask.js'
export { isJsonBody } from './response-body.js'
