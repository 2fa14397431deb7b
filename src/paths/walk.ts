/**
 * Compiled path sets and a copy-on-write walk over plain JSON-like data.
 *
 * Paths compile once into a trie, walked as a cached automaton (src/paths/states.ts). The walk
 * visits only the branches a path can still match (literal keys are looked up, not scanned),
 * copies just the containers on the way to a changed value and returns the input itself when
 * nothing changed. Inputs are never mutated. Own keys
 * named `__proto__` are written with `defineProperty`, so they stay data and never become a
 * prototype.
 *
 * @module
 */
import { FieldsealError } from '../errors.js'
import { jsonForm, needsJsonForm, Opaque } from './json-form.js'
import { printChain, WalkMatch, type Chain, type Match } from './match.js'
import { transition, type CompiledPaths, type PathState } from './states.js'

export { compilePaths, type CompiledPaths } from './states.js'
export type { Match } from './match.js'

/** Returned by a visitor: leave the value as it is. */
export const KEEP: unique symbol = Symbol('fieldseal.keep')
/** Returned by a visitor: do not replace this container, walk into it. */
export const DESCEND: unique symbol = Symbol('fieldseal.descend')
/** Returned by a visitor: drop the property (or array element). */
export const REMOVE: unique symbol = Symbol('fieldseal.remove')

/**
 * Returned by a visitor: walk into `value` (already in its JSON form) in place of the matched
 * value, with every match below it `marked`, and put `finish(walked)` where the value was. Lets
 * one walk treat a subtree differently (a revealed field) while the paths still apply inside it.
 */
export class Subtree {
  constructor(
    readonly value: unknown,
    readonly finish: (walked: unknown) => unknown,
  ) {}
}

export type Visitor<T> = (value: unknown, match: Match<T>) => unknown

/** Plain objects and arrays are walked; class instances, dates and buffers are leaves. */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false
  const proto = Object.getPrototypeOf(value)
  return proto === Object.prototype || proto === null
}

function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') {
    Object.defineProperty(target, key, {
      value,
      writable: true,
      enumerable: true,
      configurable: true,
    })
  } else {
    target[key] = value
  }
}

const isEnumerable = Object.prototype.propertyIsEnumerable

function copyBare(source: Record<string, unknown>): Record<string, unknown> {
  return Object.assign(Object.create(null) as Record<string, unknown>, source)
}

/** Limits and mode of one walk. */
export interface WalkLimits {
  /** Deepest container level walked; deeper data throws `ERR_FIELDSEAL_TOO_DEEP`. */
  readonly maxDepth: number
  /**
   * Walk the document as `JSON.stringify` would send it (src/paths/json-form.ts): `toJSON` at every
   * position, class instances by their own enumerable keys, boxed primitives unwrapped. Every
   * visited container that is not plain data comes back as a plain copy of what was walked,
   * so nothing is serialised differently from what the visitor saw. Defaults to `false`: class
   * instances, dates and buffers are leaves.
   */
  readonly json?: boolean
}

/**
 * Walks `root`, calling `visit` for every value a compiled path matches, and returns `root` with
 * the visitor's replacements, copying only what changed.
 *
 * @example
 * ```ts
 * const upper = walkPaths({ a: { b: 'x' } }, compilePaths([['a.b', null]]), (v) => String(v).toUpperCase(), { maxDepth: 32 })
 * // { a: { b: 'X' } }
 * ```
 */
export function walkPaths<T>(
  root: unknown,
  compiled: CompiledPaths<T>,
  visit: Visitor<T>,
  limits: WalkLimits,
): unknown {
  const start = compiled.start
  if (start === null) return root
  return new Walk(compiled, visit, limits.maxDepth, limits.json === true).value(
    root,
    start,
    undefined,
    undefined,
    '',
    0,
  )
}

/** One walk; methods instead of per-call closures keep the hot path free of allocations. */
class Walk<T> {
  constructor(
    readonly compiled: CompiledPaths<T>,
    readonly visit: Visitor<T>,
    readonly maxDepth: number,
    readonly json: boolean,
  ) {}

  /** True while walking a {@link Subtree}. */
  marked = false

  value(
    value: unknown,
    state: PathState<T>,
    parent: Chain | undefined,
    step: string | number | undefined,
    name: string,
    depth: number,
    subtree = false,
  ): unknown {
    // In JSON mode `form` is what JSON.stringify serialises here (src/paths/json-form.ts); plain
    // data keeps the fast path, at the cost of one `toJSON` lookup per container. A subtree's
    // value comes in its JSON form already, and its position was visited.
    let form = value
    let copy = false
    if (this.json && typeof value !== 'string' && needsJsonForm(value)) {
      if (!subtree) form = jsonForm(value, step === undefined ? '' : String(step))
      copy = true // not plain data: walked into a plain copy, so JSON.stringify sends just that
    }
    const terminal = subtree ? undefined : state.terminal
    if (terminal !== undefined) {
      const match = new WalkMatch(terminal.data, name, parent, step, this.marked)
      const result = this.visit(form, match)
      if (result === KEEP) return value
      // `typeof` first: instanceof on the strings most visitors return is slow.
      if (typeof result === 'object' && result instanceof Subtree) {
        const was = this.marked
        this.marked = true
        try {
          return result.finish(this.value(result.value, state, parent, step, name, depth, true))
        } finally {
          this.marked = was
        }
      }
      if (result !== DESCEND) return result
    }
    if (typeof form !== 'object' || form === null) return value
    const isArray = Array.isArray(form)
    const proto = isArray ? undefined : Object.getPrototypeOf(form)
    const plain = isArray || proto === Object.prototype || proto === null
    if (!plain && (!this.json || form instanceof Opaque)) return value
    const chain: Chain | undefined = step === undefined ? parent : { parent, step }
    if (depth >= this.maxDepth) {
      throw new FieldsealError(
        'ERR_FIELDSEAL_TOO_DEEP',
        `data nested deeper than ${this.maxDepth} levels`,
        { path: printChain(chain) },
      )
    }
    return isArray
      ? this.array(form as unknown[], state, chain, name, depth + 1, copy)
      : this.object(form as Record<string, unknown>, proto === null, state, chain, depth + 1, copy)
  }

  object(
    source: Record<string, unknown>,
    bare: boolean,
    state: PathState<T>,
    chain: Chain | undefined,
    depth: number,
    materialise: boolean,
  ): unknown {
    if (!state.hasKeys) return materialise ? this.copyObject(source, bare) : source
    const lookup = state.lookup
    const keys = lookup ?? Object.keys(source)
    let copy: Record<string, unknown> | undefined
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i] as string
      let next: PathState<T> | null
      if (lookup !== undefined) {
        // JSON.stringify sends own enumerable keys only.
        if (!(materialise ? isEnumerable.call(source, key) : Object.hasOwn(source, key))) continue
        next = state.lookupNext[i] as PathState<T> | null
      } else {
        next = transition(this.compiled, state, key)
      }
      if (next === null) continue
      const before = source[key]
      // Nothing ends here and a string cannot be walked into: skip the call (a bare name such as
      // `ssn` is `**.ssn`, which passes every key of every object).
      if (next.terminal === undefined && typeof before === 'string') continue
      const after = this.value(before, next, chain, key, key, depth)
      if (after === before) continue
      copy ??= this.copyObject(source, bare)
      if (after === REMOVE) delete copy[key]
      else setOwn(copy, key, after)
    }
    return copy ?? (materialise ? this.copyObject(source, bare) : source)
  }

  /** A copy to write into. In JSON mode it never carries a `toJSON` method, which is not data. */
  copyObject(source: Record<string, unknown>, bare: boolean): Record<string, unknown> {
    const copy = bare ? copyBare(source) : { ...source }
    if (this.json && typeof copy.toJSON === 'function') delete copy.toJSON
    return copy
  }

  array(
    source: readonly unknown[],
    state: PathState<T>,
    chain: Chain | undefined,
    name: string,
    depth: number,
    materialise: boolean,
  ): unknown {
    if (!state.hasIndexes) return materialise ? Array.from(source) : source
    let copy: unknown[] | undefined = materialise ? Array.from(source) : undefined
    let removed = false
    // With no index named literally, every element goes to the same state.
    const every = state.indexesNamed ? undefined : transition(this.compiled, state, -1)
    for (let index = 0; index < source.length; index++) {
      const next = every === undefined ? transition(this.compiled, state, index) : every
      if (next === null) continue
      const before = source[index]
      const after = this.value(before, next, chain, index, name, depth)
      if (after === before) continue
      copy ??= source.slice()
      copy[index] = after
      if (after === REMOVE) removed = true
    }
    if (copy === undefined) return source
    return removed ? copy.filter((item) => item !== REMOVE) : copy
  }
}
