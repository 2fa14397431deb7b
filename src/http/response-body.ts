/**
 * The outbound step: a JSON response body (plain object or array) is copied — never mutated —
 * with its `enc:` values decrypted where the route allows it and censored where it does not,
 * its revealed fields decrypted in full, and the rest masked by the route's and the app's rules.
 * Strings, buffers, streams and other non-JSON bodies are not touched.
 *
 * @module
 */
import { isEncrypted } from '../envelope.js'
import { jsonRoot, Opaque } from '../json-form.js'
import { FieldsealError } from '../errors.js'
import { isEmptyValue, openValue } from '../field-value.js'
import type { FieldsealConfig, ResolvedField } from '../options.js'
import {
  compilePaths,
  DESCEND,
  KEEP,
  REMOVE,
  walkPaths,
  type CompiledPaths,
  type Match,
} from '../path-walk.js'
import { Held, type ResponsePlan } from './response-plan.js'
import { NOT_REMEMBERED, type SealMemo } from './seal-memo.js'

/** A value found at a reveal path, still as the handler gave it. */
class RevealPending extends Opaque {
  constructor(readonly value: unknown) {
    super()
  }
}

type Spec = ResolvedField | null
const CATCH_ALL = '**.*'
const everywhere = compilePaths<Spec>([[CATCH_ALL, null]])
const plans = new WeakMap<readonly ResolvedField[], CompiledPaths<Spec>>()

/** Configured fields first (for their context), then every value. */
function planOf(fields: readonly ResolvedField[] | undefined): CompiledPaths<Spec> {
  if (fields === undefined) return everywhere
  let plan = plans.get(fields)
  if (plan === undefined) {
    plan = compilePaths<Spec>([
      ...fields.map((field) => [field.path, field] as const),
      [CATCH_ALL, null],
    ])
    plans.set(fields, plan)
  }
  return plan
}

const isContainer = (value: unknown) => typeof value === 'object' && value !== null

/**
 * The body itself when a framework sends it as JSON (Koa: any object but a buffer, stream, blob
 * or fetch `Response`), else `undefined` (text, bytes, streams are not touched). Objects that
 * are not plain data are walked as `JSON.stringify` sends them (src/json-form.ts).
 */
export function jsonDocument(body: unknown): object | undefined {
  if (typeof body !== 'object' || body === null) return undefined
  if (ArrayBuffer.isView(body) || body instanceof ArrayBuffer) return undefined
  if (typeof (body as { pipe?: unknown }).pipe === 'function') return undefined
  if (typeof Blob !== 'undefined' && body instanceof Blob) return undefined
  if (typeof ReadableStream !== 'undefined' && body instanceof ReadableStream) return undefined
  if (typeof Response !== 'undefined' && body instanceof Response) return undefined
  return body
}

/** Opens one value, reporting a failure to the hook (path, key id, code — never the value). */
function openOne(
  config: FieldsealConfig,
  value: string,
  context: string,
  path: () => string,
  memo: SealMemo | undefined,
): unknown {
  if (memo !== undefined) {
    const remembered = memo.recall(config.keys, value, context)
    if (remembered !== NOT_REMEMBERED) return remembered
  }
  try {
    const opened = openValue(config.keys, value, context, undefined, config.readLegacy)
    if (opened.legacy)
      config.onEvent?.({
        operation: 'legacy-format',
        outcome: 'success',
        path: path(),
        kid: opened.kid,
      })
    return opened.value
  } catch (error) {
    if (!(error instanceof FieldsealError)) throw error
    const located = new FieldsealError(error.code, error.message, {
      path: path(),
      ...(error.kid === undefined ? {} : { kid: error.kid }),
      cause: error,
    })
    config.onEvent?.({
      operation: 'decrypt',
      outcome: 'failure',
      path: located.path as string,
      ...(located.kid === undefined ? {} : { kid: located.kid }),
      code: located.code,
    })
    throw located
  }
}

/**
 * Prepares one response document under `plan`. Throws a coded {@link FieldsealError} (with the
 * field path) when a value cannot be decrypted or the document is too deep or too large.
 * `memo`, the request's record of what it sealed, spares decrypting those values again; the
 * result is the same (see src/http/seal-memo.ts).
 *
 * @example
 * ```ts
 * const out = transformResponse(config, compileResponsePlan(undefined, spec), row)
 * ```
 */
export function transformResponse(
  config: FieldsealConfig,
  plan: ResponsePlan,
  doc: unknown,
  memo?: SealMemo,
): unknown {
  const root = jsonRoot(doc)
  if (typeof root !== 'object' || root === null) {
    // A body that is one ciphertext (`res.json(row.ssn)`) is censored like any other.
    if (!isEncrypted(root)) return doc
    return typeof plan.censor === 'function' ? plan.censor(root, '') : plan.censor
  }
  const limits = { maxDepth: config.maxDepth, json: true }
  const marks = plan.masker !== undefined
  let opened = 0
  let held = 0
  const open = (value: string, context: string, path: () => string) => {
    if (++opened > config.maxFields) {
      throw new FieldsealError(
        'ERR_FIELDSEAL_TOO_MANY_FIELDS',
        `more than ${config.maxFields} encrypted fields in one document`,
        { path: path() },
      )
    }
    return openOne(config, value, context, path, memo)
  }
  const hold = (value: unknown) => {
    if (!marks) return value
    held++
    return new Held(value)
  }
  /** Everything under a revealed container is decrypted, by field-name context. */
  const openAll = (value: unknown, match: Match<Spec>): unknown => {
    if (isEncrypted(value))
      return open(value, match.data?.context ?? match.name, () => match.path())
    if (!isContainer(value)) return value
    return walkPaths(
      value,
      everywhere,
      (inner, innerMatch) => {
        if (isEncrypted(inner))
          return open(
            inner,
            innerMatch.name,
            () =>
              `${match.path()}${innerMatch.path().startsWith('[') ? '' : '.'}${innerMatch.path()}`,
          )
        return isContainer(inner) ? DESCEND : KEEP
      },
      limits,
    )
  }

  const revealed =
    plan.reveal === undefined
      ? root
      : walkPaths(
          root,
          plan.reveal,
          (value) => (isEmptyValue(value) ? KEEP : new RevealPending(value)),
          limits,
        )
  const prepared = walkPaths(
    revealed,
    planOf(config.fields),
    (value, match) => {
      if (value instanceof RevealPending) return hold(openAll(value.value, match))
      if (isEncrypted(value)) {
        if (plan.decrypt) return open(value, match.data?.context ?? match.name, () => match.path())
        if (plan.remove) return REMOVE
        return hold(
          typeof plan.censor === 'function' ? plan.censor(value, match.path()) : plan.censor,
        )
      }
      return isContainer(value) ? DESCEND : KEEP
    },
    limits,
  )
  if (plan.masker === undefined) return prepared
  plan.released = 0
  const masked = plan.masker(prepared)
  if (plan.released >= held) return masked
  // Some markers sat outside every mask path: give their values back.
  return walkPaths(
    masked,
    everywhere,
    (value) => (value instanceof Held ? value.value : isContainer(value) ? DESCEND : KEEP),
    limits,
  )
}
