/**
 * Options of the HTTP middleware (`fieldseal(sealer, options)`) and of route-level masking
 * (`mask(options)`), validated once when the middleware is created.
 *
 * @module
 */
import type { DecryptSetting } from './request-open.js'
import { createMasker, MASK_OPTION_NAMES, type MaskOptions } from '../mask/masker.js'
import {
  booleanOption,
  invalidOption,
  optionNames,
  optionsObject,
  rejectUnknownOptions,
} from '../util/option-checks.js'
import { resolveFields, type FieldPaths, type ResolvedField } from '../core/options.js'
import { parsePath } from '../paths/parse.js'

/**
 * Masking of JSON responses: the masker's options plus what happens to `enc:` values.
 * A route's options are added to the app's: its `rules` and `paths` come first, `decrypt`,
 * `censor`, `remove`, `detect` and `maxDepth` replace the app's when given, `reveal` adds up.
 */
export interface ResponseMaskOptions extends MaskOptions {
  /**
   * Decrypt `enc:` values before masking, so a `last4` mask shows the real last four digits.
   * Defaults to `false`: `enc:` values are replaced whole by the censor (or dropped with
   * `remove`), so ciphertext never leaves the server.
   */
  readonly decrypt?: boolean
  /**
   * Paths returned decrypted in full and never masked, e.g. `['ssn']`. A mask on an ancestor
   * (such as `paths: ['customer']`) still wins. Defaults to none.
   */
  readonly reveal?: readonly string[]
}

/**
 * Options of the `fieldseal(sealer, options)` middleware of `fieldseal/express`, `fieldseal/koa`
 * and `fieldseal/fastify`; `R` is the framework's request (Express `Request`, Koa `Context`,
 * Fastify `FastifyRequest`).
 */
export interface FieldsealMiddlewareOptions<R = unknown> {
  /**
   * Which `enc:` values of a JSON request body are opened before the handler runs. Defaults to
   * the encrypted paths (those of `encrypt`) only: each is sealed again before the handler
   * stores it, and a ciphertext anywhere else is left as it came, never opened. Given paths, or
   * `'all'`, are opened too — for `req.fieldseal` only: the handler's body keeps the client's
   * ciphertext there. `'all'` answers whoever holds a ciphertext (bind records with `binding`).
   * `false` opens nothing: ciphertext the client sends is stored as it is, unverified.
   */
  readonly decrypt?: 'all' | FieldPaths | false
  /**
   * Record binding: the tenant, user or record a request's values belong to, such as
   * `(req) => 'tenant:' + req.user.tenantId`. Bound into every value the middleware seals or
   * opens (with the field's context), so a ciphertext copied from another tenant's or user's
   * record does not open. Called per value with the request and the value's path; must return
   * a non-empty string without U+0000 (anything else, or a throw, fails the request with a 5xx).
   * Defaults to none: values are bound to their field only.
   */
  readonly binding?: (request: R, path: string) => string
  /**
   * Fields encrypted in the body the handler receives. Defaults to the instance's `fields`, or,
   * when it has none, every field its `shouldEncryptField` policy accepts.
   */
  readonly encrypt?: FieldPaths
  /**
   * App-level masking of JSON responses. Defaults to `{}`: nothing is masked but `enc:` values
   * are replaced by `'[REDACTED]'`. `false` turns response processing off (ciphertext passes
   * unless a route's `mask()` asks otherwise).
   */
  readonly mask?: ResponseMaskOptions | false
  /** Appended to a field's name to name its blind index (`ssn` → `ssn_bidx`). Defaults to `'_bidx'`. */
  readonly blindIndexSuffix?: string
  /**
   * Least time in milliseconds between two key reloads caused by an unknown key id (another
   * instance rotated). Bounds the load a client can put on the key store by sending made-up key
   * ids. Defaults to `1000`; `0` reloads every time.
   */
  readonly keyRefreshInterval?: number
}

/** Response-mask options after validation (not yet merged with the app's). */
export interface MaskSpec {
  readonly decrypt: boolean | undefined
  readonly reveal: readonly string[]
  readonly masker: MaskOptions
}

/** Middleware options after validation. */
export interface MiddlewareConfig {
  readonly decrypt: DecryptSetting
  readonly binding: ((request: unknown, path: string) => unknown) | undefined
  /** `undefined` = the instance's fields or policy. */
  readonly encrypt: readonly ResolvedField[] | undefined
  readonly mask: MaskSpec | undefined
  readonly blindIndexSuffix: string
  readonly keyRefreshInterval: number
}

const MIDDLEWARE = 'fieldseal middleware'
const KNOWN = optionNames<FieldsealMiddlewareOptions>({
  decrypt: true,
  binding: true,
  encrypt: true,
  mask: true,
  blindIndexSuffix: true,
  keyRefreshInterval: true,
})
/** The masker's options, and what a response adds to them. */
const MASK_KNOWN = [
  ...MASK_OPTION_NAMES,
  ...optionNames<Omit<ResponseMaskOptions, keyof MaskOptions>>({ decrypt: true, reveal: true }),
]
const SUFFIX = /^[A-Za-z0-9_$-]{1,32}$/

/**
 * Validates response-mask options. The masker part is compiled once here so that a bad rule
 * fails now, not on the first response.
 */
export function resolveMaskSpec(input: unknown, where: string): MaskSpec {
  const options = optionsObject(input, where)
  rejectUnknownOptions(options, MASK_KNOWN, where)
  const reveal = options.reveal ?? []
  if (!Array.isArray(reveal)) throw invalidOption(where, 'reveal must be an array of paths')
  for (const path of reveal) {
    if (typeof path !== 'string') throw invalidOption(where, 'reveal must hold path strings')
    parsePath(path)
  }
  const masker: Record<string, unknown> = {}
  for (const name of MASK_OPTION_NAMES)
    if (options[name] !== undefined) masker[name] = options[name]
  createMasker(masker as MaskOptions)
  return {
    decrypt:
      options.decrypt === undefined
        ? undefined
        : booleanOption(options.decrypt, false, 'decrypt', where),
    reveal: [...new Set(reveal as string[])],
    masker: masker as MaskOptions,
  }
}

function resolveDecrypt(value: unknown): MiddlewareConfig['decrypt'] {
  if (value === undefined) return 'encrypted'
  if (value === 'all' || value === false) return value
  if (Array.isArray(value)) return resolveFields(value, MIDDLEWARE)
  throw invalidOption(MIDDLEWARE, "decrypt must be 'all', false or an array of paths")
}

function resolveRefreshInterval(value: unknown): number {
  if (value === undefined) return 1000
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw invalidOption(
      MIDDLEWARE,
      'keyRefreshInterval must be a non-negative integer (milliseconds)',
    )
  }
  return value
}

/** Options of 0.1.0 that moved: the instance holds them, so there is one source of truth. */
const MOVED: Readonly<Record<string, string>> = {
  blindIndexKey:
    "blindIndexKey is an option of createFieldseal: the middleware indexes with the instance's key",
  env: 'env is an option of createFieldseal, which reads FIELDSEAL_BLIND_INDEX_KEY from it',
}

function rejectMovedOptions(options: Record<string, unknown>): void {
  for (const name of Object.keys(options)) {
    if (Object.hasOwn(MOVED, name)) throw invalidOption(MIDDLEWARE, MOVED[name] as string)
  }
}

/**
 * Validates middleware options. Throws `ERR_FIELDSEAL_INVALID_OPTION` (with "Did you mean" for
 * a misspelt option), `ERR_FIELDSEAL_INVALID_PATH` or `ERR_FIELDSEAL_INVALID_KEY`.
 *
 * @example
 * ```ts
 * resolveMiddlewareOptions({ decrypt: ['card'], mask: { rules: { '**.card': 'card' } } })
 * ```
 */
export function resolveMiddlewareOptions<R>(
  input: Readonly<FieldsealMiddlewareOptions<R>> | undefined,
): MiddlewareConfig {
  const options = optionsObject(input, MIDDLEWARE)
  rejectMovedOptions(options)
  rejectUnknownOptions(options, KNOWN, MIDDLEWARE)
  const suffix = options.blindIndexSuffix ?? '_bidx'
  if (typeof suffix !== 'string' || !SUFFIX.test(suffix)) {
    throw invalidOption(MIDDLEWARE, 'blindIndexSuffix must be 1–32 characters of [A-Za-z0-9_$-]')
  }
  if (
    options.mask !== undefined &&
    options.mask !== false &&
    (typeof options.mask !== 'object' || options.mask === null)
  ) {
    throw invalidOption(MIDDLEWARE, 'mask must be an object of mask options or false')
  }
  if (options.binding !== undefined && typeof options.binding !== 'function') {
    throw invalidOption(MIDDLEWARE, 'binding must be a function (request, path) => string')
  }
  return {
    decrypt: resolveDecrypt(options.decrypt),
    binding: options.binding as MiddlewareConfig['binding'],
    encrypt: options.encrypt === undefined ? undefined : resolveFields(options.encrypt, MIDDLEWARE),
    mask: options.mask === false ? undefined : resolveMaskSpec(options.mask, `${MIDDLEWARE} mask`),
    blindIndexSuffix: suffix,
    keyRefreshInterval: resolveRefreshInterval(options.keyRefreshInterval),
  }
}
