/**
 * What `JSON.stringify` makes of one value, step by step, so that masking and ciphertext
 * censoring apply to the JSON a client receives rather than to the objects a handler holds.
 *
 * `JSON.stringify` (ECMA-262 SerializeJSONProperty) calls `toJSON(key)` once per position — not
 * again on what it returns —, unwraps boxed primitives and raw JSON, drops functions and
 * symbols, and serialises any other object by its own enumerable string keys, whatever its
 * class. {@link jsonForm} is that first step; the walker (src/paths/walk.ts) does the rest as it
 * descends, so a `toJSON` at any depth, a class instance or a `Map` (`{}`) is seen as it will be
 * sent.
 *
 * @module
 */
import { types } from 'node:util'

/**
 * A value the walker must treat as a leaf and never look into: fieldseal's own markers placed
 * in a document between two walks (a held ciphertext, a revealed value).
 */
export class Opaque {}

type RawJsonCheck = (value: unknown) => value is { readonly rawJSON: string }
/** `JSON.isRawJSON` exists from Node.js 21; raw JSON objects have a null prototype. */
const isRawJson = (JSON as { isRawJSON?: RawJsonCheck }).isRawJSON

/** True for a raw JSON object (`JSON.rawJSON('…')`): sent as its text, so not walked as data. */
export function isRawJsonValue(value: unknown): value is { readonly rawJSON: string } {
  return isRawJson?.(value) === true
}

/**
 * The value `JSON.stringify` serialises in place of `value` found under `key` (`''` at the top):
 * the result of its `toJSON(key)` if it has one, a boxed primitive's primitive, a raw JSON
 * object's value, `undefined` for a function or symbol (dropped), else `value` itself. Objects
 * come back as they are: their keys are read by the walker.
 *
 * @example
 * ```ts
 * jsonForm(new Date(0), 'born') // '1970-01-01T00:00:00.000Z'
 * jsonForm(new Map(), 'm')      // the Map itself: no own enumerable keys, so it is sent as {}
 * ```
 */
export function jsonForm(value: unknown, key: string): unknown {
  let form = value
  const kind = typeof form
  if ((kind === 'object' && form !== null) || kind === 'function' || kind === 'bigint') {
    const toJSON = (form as { toJSON?: unknown }).toJSON
    if (typeof toJSON === 'function') form = toJSON.call(form, key)
  }
  if (typeof form === 'function' || typeof form === 'symbol') return undefined
  if (typeof form !== 'object' || form === null || Array.isArray(form)) return form
  if (types.isBoxedPrimitive(form)) {
    if (types.isNumberObject(form)) return Number(form)
    if (types.isStringObject(form)) return String(form)
    if (types.isBooleanObject(form)) return form.valueOf()
    if (types.isBigIntObject(form)) return form.valueOf()
    return form // a Symbol object is serialised as {}
  }
  if (Object.getPrototypeOf(form) === null && isRawJsonValue(form)) return JSON.parse(form.rawJSON)
  return form
}

/**
 * False when {@link jsonForm} would give `value` itself and the walker may take it as it is:
 * primitives JSON sends unchanged, plain objects and arrays without `toJSON`, fieldseal's own
 * {@link Opaque} markers. Plain data costs one `toJSON` lookup per container.
 */
export function needsJsonForm(value: unknown): boolean {
  switch (typeof value) {
    case 'object': {
      if (value === null) return false
      if (typeof (value as { toJSON?: unknown }).toJSON === 'function') return true
      if (Array.isArray(value)) return false
      const proto = Object.getPrototypeOf(value)
      if (proto === Object.prototype) return false
      if (proto === null) return isRawJsonValue(value)
      return !(value instanceof Opaque)
    }
    case 'function':
    case 'symbol':
    case 'bigint':
      return true
    default:
      return false
  }
}

/**
 * The JSON form of a whole document, ready for the walker: {@link jsonForm} at the top (key
 * `''`), and an object that is not plain data copied into a plain one without its `toJSON`
 * method — JSON.stringify would call `toJSON` once, not on what it returns. Plain data comes
 * back as it is.
 *
 * @example
 * ```ts
 * jsonRoot(new Customer(row)) // { id: 7, ssn: 'enc:v1:…' }, a plain object
 * ```
 */
export function jsonRoot(value: unknown): unknown {
  if (!needsJsonForm(value)) return value
  const form = jsonForm(value, '')
  if (typeof form !== 'object' || form === null || !needsJsonForm(form)) return form
  if (Array.isArray(form)) return Array.from(form)
  const copy: Record<string, unknown> =
    Object.getPrototypeOf(form) === null ? Object.assign(Object.create(null), form) : { ...form }
  if (typeof copy.toJSON === 'function') delete copy.toJSON
  return copy
}
