/**
 * The path language shared by encryption, masking and the middleware:
 *
 * - `a.b`            property `b` of property `a`
 * - `items[0].card`  element 0 of array `items`
 * - `items[*].card`  every element (`*` also matches every property of an object)
 * - `**.ssn`         `ssn` at any depth, including the top
 * - `a["odd.key"]`   a property whose name is not an identifier
 *
 * As a pattern (what to encrypt, mask or reveal), a bare field name — one identifier, without
 * `.`, `[` or `*`, such as `ssn` — means that field at any depth, inside arrays too (`**.ssn`):
 * a configuration written for one record must not let a list of them through. Every other path
 * is literal. A path read as an address (`req.fieldseal.get('ssn')`) is always literal.
 *
 * @module
 */
import { isWellFormedText } from '../util/code-points.js'
import { FieldsealError } from '../errors.js'

/** One step of a parsed path. */
export type PathSegment =
  | { readonly kind: 'key'; readonly name: string }
  | { readonly kind: 'index'; readonly index: number }
  | { readonly kind: 'any' }
  | { readonly kind: 'deep' }

/** Names that would reach `Object.prototype` through a plain object (GHSA-ffrw-9mx8-89p8). */
export const FORBIDDEN_KEYS: ReadonlySet<string> = new Set([
  '__proto__',
  'constructor',
  'prototype',
])

const IDENTIFIER = /^[A-Za-z_$][\w$-]*/
const INDEX = /^\[(\d{1,9})\]/
const QUOTED = /^\[("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')\]/

function invalid(path: string, why: string): FieldsealError {
  return new FieldsealError('ERR_FIELDSEAL_INVALID_PATH', `invalid path "${path}": ${why}`, {
    path,
  })
}

function unquote(quoted: string): string {
  const body = quoted.slice(1, -1)
  return body.replace(/\\(.)/g, '$1')
}

/**
 * Parses a path into segments. Throws `ERR_FIELDSEAL_INVALID_PATH` for syntax errors and for the
 * segments `__proto__`, `constructor` and `prototype`.
 *
 * @example
 * ```ts
 * parsePath('items[*].card') // [{kind:'key',name:'items'}, {kind:'any'}, {kind:'key',name:'card'}]
 * ```
 */
export function parsePath(path: string): PathSegment[] {
  if (typeof path !== 'string') throw new TypeError('a path must be a string')
  if (path.length === 0) throw invalid(path, 'empty')
  const segments: PathSegment[] = []
  let rest = path
  let expectSeparator = false
  while (rest.length > 0) {
    if (expectSeparator) {
      if (rest.startsWith('.')) {
        rest = rest.slice(1)
        if (rest.length === 0 || rest.startsWith('[')) throw invalid(path, 'dangling "."')
      } else if (!rest.startsWith('[')) {
        throw invalid(path, `unexpected "${rest.charAt(0)}"`)
      }
    }
    expectSeparator = true
    let match: RegExpExecArray | null
    if (rest.startsWith('**')) {
      if (segments.at(-1)?.kind === 'deep') throw invalid(path, '"**" twice in a row')
      segments.push({ kind: 'deep' })
      rest = rest.slice(2)
    } else if (rest.startsWith('[*]')) {
      segments.push({ kind: 'any' })
      rest = rest.slice(3)
    } else if (rest.startsWith('*')) {
      segments.push({ kind: 'any' })
      rest = rest.slice(1)
    } else if ((match = INDEX.exec(rest))) {
      segments.push({ kind: 'index', index: Number(match[1]) })
      rest = rest.slice(match[0].length)
    } else if ((match = QUOTED.exec(rest))) {
      segments.push({ kind: 'key', name: unquote(match[1] as string) })
      rest = rest.slice(match[0].length)
    } else if ((match = IDENTIFIER.exec(rest))) {
      segments.push({ kind: 'key', name: match[0] })
      rest = rest.slice(match[0].length)
    } else {
      throw invalid(path, `unexpected "${rest.charAt(0)}"`)
    }
  }
  for (const segment of segments) {
    if (segment.kind === 'key' && FORBIDDEN_KEYS.has(segment.name)) {
      throw invalid(path, `"${segment.name}" is not allowed in a path`)
    }
    // A field name is a context: one with a lone surrogate could never be bound.
    if (segment.kind === 'key' && !isWellFormedText(segment.name)) {
      throw invalid(path, 'a property name is not well-formed Unicode')
    }
  }
  if (segments.at(-1)?.kind === 'deep') throw invalid(path, 'cannot end with "**"')
  return segments
}

const PLAIN_KEY = /^[A-Za-z_$][\w$-]*$/

/** Appends one step to a printable path: `a` + `b` → `a.b`, `a` + 2 → `a[2]`. */
export function appendPath(parent: string, step: string | number): string {
  if (typeof step === 'number') return `${parent}[${step}]`
  if (PLAIN_KEY.test(step)) return parent === '' ? step : `${parent}.${step}`
  return `${parent}[${JSON.stringify(step)}]`
}

/**
 * The segments a path matches as a pattern: {@link parsePath}, with a bare field name (`ssn`)
 * standing for that field at any depth (`**.ssn`).
 *
 * @example
 * ```ts
 * patternSegments('ssn')       // [{ kind: 'deep' }, { kind: 'key', name: 'ssn' }]
 * patternSegments('a.ssn')     // literal: [{ kind: 'key', name: 'a' }, { kind: 'key', name: 'ssn' }]
 * ```
 */
export function patternSegments(path: string): PathSegment[] {
  const segments = parsePath(path)
  return isBareName(path) ? [{ kind: 'deep' }, ...segments] : segments
}

/** True for a bare field name: one identifier (`ssn`, `card_number`), not a quoted key. */
export function isBareName(path: string): boolean {
  return PLAIN_KEY.test(path)
}
