/**
 * Compiled path sets and a copy-on-write walk over plain JSON-like data.
 *
 * Paths compile once into a trie. The walk visits only the branches a path can still match
 * (literal keys are looked up, not scanned), copies just the containers on the way to a changed
 * value and returns the input itself when nothing changed. Inputs are never mutated. Own keys
 * named `__proto__` are written with `defineProperty`, so they stay data and never become a
 * prototype.
 *
 * @module
 */
import { FieldsealError } from './errors.js'
import { appendPath, parsePath, type PathSegment } from './path-parse.js'

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

interface TrieNode<T> {
  keys: Map<string, TrieNode<T>> | undefined
  indexes: Map<number, TrieNode<T>> | undefined
  any: TrieNode<T> | undefined
  deep: TrieNode<T> | undefined
  /** This node stands after `**`: it also matches one level further down. */
  readonly isDeep: boolean
  terminal: { readonly data: T; readonly order: number } | undefined
}

/** A set of paths compiled for {@link walkPaths}. */
export interface CompiledPaths<T> {
  readonly root: TrieNode<T>
  readonly paths: readonly string[]
}

const newNode = <T>(isDeep: boolean): TrieNode<T> => ({
  keys: undefined,
  indexes: undefined,
  any: undefined,
  deep: undefined,
  isDeep,
  terminal: undefined,
})

function child<T>(node: TrieNode<T>, segment: PathSegment): TrieNode<T> {
  switch (segment.kind) {
    case 'key': {
      node.keys ??= new Map()
      let next = node.keys.get(segment.name)
      if (!next) node.keys.set(segment.name, (next = newNode(false)))
      return next
    }
    case 'index': {
      node.indexes ??= new Map()
      let next = node.indexes.get(segment.index)
      if (!next) node.indexes.set(segment.index, (next = newNode(false)))
      return next
    }
    case 'any':
      return (node.any ??= newNode(false))
    case 'deep':
      return (node.deep ??= newNode(true))
  }
}

/**
 * Compiles paths, each with its data (a field spec, a mask rule…). When several paths match one
 * value, the one listed first wins. Duplicate paths keep their first entry.
 *
 * @example
 * ```ts
 * const compiled = compilePaths([['items[*].card', 'last4'], ['**.ssn', 'ssn']])
 * ```
 */
export function compilePaths<T>(entries: Iterable<readonly [string, T]>): CompiledPaths<T> {
  const root = newNode<T>(false)
  const paths: string[] = []
  let order = 0
  for (const [path, data] of entries) {
    let node = root
    for (const segment of parsePath(path)) node = child(node, segment)
    if (node.terminal === undefined) {
      node.terminal = { data, order: order++ }
      paths.push(path)
    }
  }
  return { root, paths }
}

/** Adds the nodes a `**` reaches without consuming a level. */
function closeOver<T>(nodes: TrieNode<T>[]): TrieNode<T>[] {
  for (let i = 0; i < nodes.length; i++) {
    const deep = (nodes[i] as TrieNode<T>).deep
    if (deep !== undefined && !nodes.includes(deep)) nodes.push(deep)
  }
  return nodes
}

function step<T>(states: readonly TrieNode<T>[], key: string | number): TrieNode<T>[] {
  const next: TrieNode<T>[] = []
  const add = (node: TrieNode<T> | undefined) => {
    if (node !== undefined && !next.includes(node)) next.push(node)
  }
  for (const state of states) {
    add(typeof key === 'string' ? state.keys?.get(key) : state.indexes?.get(key))
    add(state.any)
    if (state.isDeep) add(state)
  }
  return closeOver(next)
}

/** Only literal keys can match below these states: look them up instead of scanning. */
function literalKeys<T>(states: readonly TrieNode<T>[]): string[] | undefined {
  const keys: string[] = []
  for (const state of states) {
    if (state.any !== undefined || state.isDeep || state.indexes !== undefined) return undefined
    if (state.keys !== undefined) for (const key of state.keys.keys()) keys.push(key)
  }
  return keys
}

function terminalOf<T>(states: readonly TrieNode<T>[]): TrieNode<T>['terminal'] {
  let best: TrieNode<T>['terminal']
  for (const state of states) {
    const terminal = state.terminal
    if (terminal !== undefined && (best === undefined || terminal.order < best.order)) {
      best = terminal
    }
  }
  return best
}

/** Plain objects and arrays are walked; class instances, dates and buffers are leaves. */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false
  const proto = Object.getPrototypeOf(value)
  return proto === Object.prototype || proto === null
}

function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') {
    Object.defineProperty(target, key, { value, writable: true, enumerable: true, configurable: true })
  } else {
    target[key] = value
  }
}

function copyObject(source: Record<string, unknown>): Record<string, unknown> {
  if (Object.getPrototypeOf(source) === null) return Object.assign(Object.create(null), source)
  return { ...source }
}

interface Chain {
  readonly parent: Chain | undefined
  readonly step: string | number
}

function printChain(chain: Chain | undefined): string {
  if (chain === undefined) return ''
  return appendPath(printChain(chain.parent), chain.step)
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
  const visitValue = (
    value: unknown,
    states: TrieNode<T>[],
    chain: Chain | undefined,
    name: string,
    depth: number,
  ): unknown => {
    const terminal = terminalOf(states)
    if (terminal !== undefined) {
      const result = visit(value, {
        data: terminal.data,
        name,
        step: chain?.step,
        path: () => printChain(chain),
      })
      if (result === KEEP) return value
      if (result !== DESCEND) return result
    }
    if (typeof value !== 'object' || value === null) return value
    if (Array.isArray(value)) return walkArray(value, states, chain, name, depth + 1)
    if (isPlainObject(value)) return walkObject(value, states, chain, depth + 1)
    return value
  }

  const guard = (chain: Chain | undefined, depth: number) => {
    if (depth > limits.maxDepth) {
      throw new FieldsealError(
        'ERR_FIELDSEAL_TOO_DEEP',
        `data nested deeper than ${limits.maxDepth} levels`,
        { path: printChain(chain) },
      )
    }
  }

  const walkObject = (
    source: Record<string, unknown>,
    states: TrieNode<T>[],
    chain: Chain | undefined,
    depth: number,
  ): unknown => {
    guard(chain, depth)
    let copy: Record<string, unknown> | undefined
    for (const key of literalKeys(states) ?? Object.keys(source)) {
      if (!Object.hasOwn(source, key)) continue
      const next = step(states, key)
      if (next.length === 0) continue
      const before = source[key]
      const after = visitValue(before, next, { parent: chain, step: key }, key, depth)
      if (after === before) continue
      copy ??= copyObject(source)
      if (after === REMOVE) delete copy[key]
      else setOwn(copy, key, after)
    }
    return copy ?? source
  }

  const walkArray = (
    source: readonly unknown[],
    states: TrieNode<T>[],
    chain: Chain | undefined,
    name: string,
    depth: number,
  ): unknown => {
    guard(chain, depth)
    let copy: unknown[] | undefined
    for (let index = 0; index < source.length; index++) {
      const next = step(states, index)
      if (next.length === 0) continue
      const before = source[index]
      const after = visitValue(before, next, { parent: chain, step: index }, name, depth)
      if (after === before) continue
      copy ??= source.slice()
      copy[index] = after
    }
    return copy === undefined ? source : copy.filter((item) => item !== REMOVE)
  }

  return visitValue(root, closeOver([compiled.root]), undefined, '', 0)
}
