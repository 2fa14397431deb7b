/**
 * The outbound step: a JSON response body is copied — never mutated — as JSON.stringify will
 * send it, with its `enc:` values decrypted at encrypted paths where the route allows it and
 * censored everywhere else, its revealed fields decrypted in full, and the rest masked by the
 * route's and the app's rules. Koa bodies Koa does not send as JSON are not touched.
 *
 * @module
 */
import { contextUnder, type Binder } from '../core/binding.js'
import { isEncrypted } from '../crypto/envelope.js'
import { Batch } from '../core/field-batch.js'
import { fieldsPlan } from '../core/field-ops.js'
import { isEmptyValue } from '../crypto/field-value.js'
import { jsonRoot, Opaque } from '../paths/json-form.js'
import type { FieldsealConfig, ResolvedField } from '../core/options.js'
import { DESCEND, KEEP, REMOVE, Subtree, walkPaths, type Match } from '../paths/walk.js'
import { Held, type ResponsePlan } from './response-plan.js'
import type { SealMemo } from './seal-memo.js'

/** A value found at a reveal path, still as the handler gave it. */
class RevealPending extends Opaque {
  constructor(readonly value: unknown) {
    super()
  }
}

type Spec = ResolvedField | null

const isContainer = (value: unknown) => typeof value === 'object' && value !== null

/**
 * True when a framework that sends objects as JSON and anything else as it is (Koa's `ctx.body`,
 * Fastify's `reply.send`) sends `body` as JSON: any object but a buffer, a stream, a blob or a
 * fetch `Response`. Text, bytes and streams are not touched. Objects that are not plain data are
 * walked as `JSON.stringify` sends them (src/paths/json-form.ts).
 *
 * @example
 * ```ts
 * import type Koa from 'koa'
 *
 * async function respond(ctx: Koa.Context, pipeline: HttpPipeline, state?: FieldsealRequest) {
 *   if (!isJsonBody(ctx.body)) return // text, bytes and streams are sent as they are
 *   ctx.body = await new Promise((send, fail) => pipeline.respond(ctx.body, state, send, fail))
 * }
 * ```
 */
export function isJsonBody(body: unknown): body is object {
  if (typeof body !== 'object' || body === null) return false
  if (ArrayBuffer.isView(body) || body instanceof ArrayBuffer) return false
  if (typeof (body as { pipe?: unknown }).pipe === 'function') return false
  if (typeof Blob !== 'undefined' && body instanceof Blob) return false
  if (typeof ReadableStream !== 'undefined' && body instanceof ReadableStream) return false
  if (typeof Response !== 'undefined' && body instanceof Response) return false
  return true
}

/** What a response is prepared for, besides its plan. */
export interface ResponseScope {
  /** The encrypted fields: only values there are ever opened. `undefined`: the policy's names. */
  readonly fields: readonly ResolvedField[] | undefined
  /** Binds each value to more than its field, as the request that sealed it did. */
  readonly binder?: Binder | undefined
  /** The request's record of what it sealed (src/http/seal-memo.ts). */
  readonly memo?: SealMemo | undefined
}

/**
 * Prepares one response document under `plan`. An `enc:` value is opened only at an encrypted
 * path of `scope.fields` — where the route decrypts, or under a reveal path — and censored
 * anywhere else, so a ciphertext a client planted elsewhere never comes back decrypted. Throws
 * a coded {@link FieldsealError} (with the field path) when a value cannot be decrypted or the
 * document is too deep or too large. The memo spares decrypting what the request sealed; the
 * result is the same.
 *
 * @example
 * ```ts
 * const out = transformResponse(config, compileResponsePlan(undefined, spec), row, { fields })
 * ```
 */
export function transformResponse(
  config: FieldsealConfig,
  plan: ResponsePlan,
  doc: unknown,
  scope: ResponseScope,
): unknown {
  const root = jsonRoot(doc)
  if (typeof root !== 'object' || root === null) {
    // A body that is one ciphertext (`res.json(row.ssn)`) is censored like any other.
    if (!isEncrypted(root)) return doc
    return typeof plan.censor === 'function' ? plan.censor(root, '') : plan.censor
  }
  const limits = { maxDepth: config.maxDepth, json: true }
  const marks = plan.masker !== undefined
  const policy = scope.fields === undefined
  const batch = new Batch(config)
  const known = { known: scope.memo }
  const held: Held[] = []
  const encryptedHere = (match: Match<Spec>) =>
    match.data !== null ||
    (policy && typeof match.step === 'string' && config.shouldEncryptField(match.step))
  const open = (value: string, match: Match<Spec>) => {
    const context = contextUnder(scope.binder, match.data?.context ?? match.name, () =>
      match.path(),
    )
    return batch.open(value, context, match, known)
  }
  const censor = (value: string, match: Match<Spec>) =>
    typeof plan.censor === 'function' ? plan.censor(value, match.path()) : plan.censor
  const hold = (value: unknown) => {
    if (!marks) return value
    const marker = new Held(value)
    held.push(marker)
    return marker
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
    fieldsPlan(scope.fields),
    (value, match) => {
      if (value instanceof RevealPending) {
        // Decrypted in full and never masked: held whole, encrypted paths opened inside.
        const inner = value.value
        if (isContainer(inner)) return new Subtree(inner, hold)
        if (!isEncrypted(inner)) return hold(inner)
        return hold(encryptedHere(match) ? open(inner, match) : censor(inner, match))
      }
      if (isEncrypted(value)) {
        if (encryptedHere(match) && (plan.decrypt || match.marked)) return open(value, match)
        if (plan.remove) return REMOVE
        return match.marked ? censor(value, match) : hold(censor(value, match))
      }
      return isContainer(value) ? DESCEND : KEEP
    },
    limits,
  )
  if (plan.masker === undefined) return prepared
  const masked = plan.masker(prepared)
  if (held.every((marker) => marker.released)) return masked
  // Some markers sat outside every mask path: give their values back.
  return walkPaths(
    masked,
    fieldsPlan(undefined),
    (value) => (value instanceof Held ? value.value : isContainer(value) ? DESCEND : KEEP),
    limits,
  )
}
