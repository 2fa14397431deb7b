/**
 * Compiled path sets and a copy-on-write walk over plain JSON-like data.
 *
 * Paths compile once into a trie, walked as a cached automaton (src/path-states.ts). The walk
 * visits only the branches a path can still match (literal keys are looked up, not scanned),
 * copies just the containers on the way to a changed value and returns the input itself when
 * nothing changed. Inputs are never mutated. Own keys
 * named `__proto__` are written with `defineProperty`, so they stay data and never become a
 * prototype.
 *
 * @module
 */
import { FieldsealError } from './errors.js'
import { appendPath } from './path-parse.js'
import { transition, type CompiledPaths, type PathState } from './path-states.js'

export { compilePaths, type CompiledPaths } from './path-states.js'

/** Returned by a visitor: leave the value as it is. */
export const KEEP: unique symbol = Symbol('fieldseal.keep')
/** Returned by a visitor: do not replace this container, walk into it. */
export const DESCEND: unique symbol = Symbol('fieldseal.descend')
/** Returned by a visitor: drop the property (or array element). */
export const REMOVE: unique symbol = Symbol('fieldseal.remove')

/** Where a visited value sits. `path()` is built only when asked for. */
export interface Match<T> {
  /** What the first matching path was compiled with. */
  readonly data: T
  /** Nearest object key above the value (`card` for `items[2].card`); `''` at the top. */
  readonly name: string
  /** The last step to the value: its key in an object, its index in an array. */
  readonly step: string | number | undefined
  /** Printable path of the value, e.g. `items[2].card`. */
  path(): string
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

function copyBare(source: Record<string, unknown>): Record<string, unknown> {
  return Object.assign(Object.create(null) as Record<string, unknown>, source)
}

interface Chain {
  readonly parent: Chain | undefined
  readonly step: string | number
}

function printChain(chain: Chain | undefined): string {
  if (chain === undefined) return ''
  return appendPath(printChain(chain.parent), chain.step)
}

/** One allocation per visited value; the printable path is built only when asked for. */
class WalkMatch<T> implements Match<T> {
  readonly data: T
  readonly name: string
  readonly step: string | number | undefined
  readonly #parent: Chain | undefined

  constructor(data: T, name: string, parent: Chain | undefined, step: string | number | undefined) {
    this.data = data
    this.name = name
    this.step = step
    this.#parent = parent
  }

  path(): string {
    return this.step === undefined ? '' : appendPath(printChain(this.#parent), this.step)
  }
}

/** Limits of one walk. */
export interface WalkLimits {
  /** Deepest container level walked; deeper data throws `ERR_FIELDSEAL_TOO_DEEP`. */
  readonly maxDepth: number
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
  return new Walk(compiled, visit, limits.maxDepth).value(root, start, undefined, undefined, '', 0)
}

/** One walk; methods instead of per-call closures keep the hot path free of allocations. */
class Walk<T> {
  constructor(
    readonly compiled: CompiledPaths<T>,
    readonly visit: Visitor<T>,
    readonly maxDepth: number,
  ) {}

  value(
    value: unknown,
    state: PathState<T>,
    parent: Chain | undefined,
    step: string | number | undefined,
    name: string,
    depth: number,
  ): unknown {
    const terminal = state.terminal
    if (terminal !== undefined) {
      const result = this.visit(value, new WalkMatch(terminal.data, name, parent, step))
      if (result === KEEP) return value
      if (result !== DESCEND) return result
    }
    if (typeof value !== 'object' || value === null) return value
    const isArray = Array.isArray(value)
    const proto = isArray ? undefined : Object.getPrototypeOf(value)
    if (!isArray && proto !== Object.prototype && proto !== null) return value
    const chain: Chain | undefined = step === undefined ? parent : { parent, step }
    if (depth >= this.maxDepth) {
      throw new FieldsealError(
        'ERR_FIELDSEAL_TOO_DEEP',
        `data nested deeper than ${this.maxDepth} levels`,
        { path: printChain(chain) },
      )
    }
    return isArray
      ? this.array(value, state, chain, name, depth + 1)
      : this.object(value as Record<string, unknown>, proto === null, state, chain, depth + 1)
  }

  object(
    source: Record<string, unknown>,
    bare: boolean,
    state: PathState<T>,
    chain: Chain | undefined,
    depth: number,
  ): unknown {
    if (!state.hasKeys) return source
    const lookup = state.lookup
    const keys = lookup ?? Object.keys(source)
    let copy: Record<string, unknown> | undefined
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i] as string
      let next: PathState<T> | null
      if (lookup !== undefined) {
        if (!Object.hasOwn(source, key)) continue
        next = state.lookupNext[i] as PathState<T> | null
      } else {
        next = transition(this.compiled, state, key)
      }
      if (next === null) continue
      const before = source[key]
      const after = this.value(before, next, chain, key, key, depth)
      if (after === before) continue
      copy ??= bare ? copyBare(source) : { ...source }
      if (after === REMOVE) delete copy[key]
      else setOwn(copy, key, after)
    }
    return copy ?? source
  }

  array(
    source: readonly unknown[],
    state: PathState<T>,
    chain: Chain | undefined,
    name: string,
    depth: number,
  ): unknown {
    if (!state.hasIndexes) return source
    let copy: unknown[] | undefined
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
