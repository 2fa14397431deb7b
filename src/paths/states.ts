/**
 * Compiled path sets: a trie of path segments, walked as a lazily built automaton.
 *
 * A position in a document can match several trie nodes at once (`**.ssn` and `a.*` both reach
 * `a.ssn`). Each distinct set of nodes is one {@link PathState}, interned, with its transitions
 * cached on first use, so a walk costs one map lookup per key instead of re-deriving node sets.
 * Only keys that some path names literally get a cached transition of their own; every other
 * key shares one, so hostile keys cannot grow the cache.
 *
 * @module
 */
import { patternSegments, type PathSegment } from './parse.js'

interface Terminal<T> {
  readonly data: T
  readonly order: number
}

/** @internal */
export interface TrieNode<T> {
  readonly id: number
  keys: Map<string, TrieNode<T>> | undefined
  indexes: Map<number, TrieNode<T>> | undefined
  any: TrieNode<T> | undefined
  deep: TrieNode<T> | undefined
  /** This node stands after `**`: it also matches one level further down. */
  readonly isDeep: boolean
  terminal: Terminal<T> | undefined
}

/** One set of trie nodes a value can be at, with its cached transitions. @internal */
export interface PathState<T> {
  /** The first listed path that ends here. */
  readonly terminal: Terminal<T> | undefined
  /** Object keys to look up when only literal keys can match below; `undefined`: scan them all. */
  readonly lookup: readonly string[] | undefined
  /** The state after each `lookup` key. */
  readonly lookupNext: Array<PathState<T> | null>
  /** Some object key can match below. */
  readonly hasKeys: boolean
  /** Some array index can match below. */
  readonly hasIndexes: boolean
  /** Some node names an array index literally (`items[2]`). */
  readonly indexesNamed: boolean
  readonly nodes: readonly TrieNode<T>[]
  /** Keys and indexes some node names literally; `undefined` when there are none. */
  readonly named: ReadonlySet<string | number> | undefined
  readonly next: Map<string | number, PathState<T> | null>
  /** Transition for any key or index no node names; `undefined` until first needed. */
  other: PathState<T> | null | undefined
}

/** A set of paths compiled for `walkPaths`. */
export interface CompiledPaths<T> {
  readonly root: TrieNode<T>
  readonly paths: readonly string[]
  /** @internal The state of the document root. */
  start: PathState<T> | null
  /** @internal Interned states by node ids. */
  readonly states: Map<string, PathState<T>>
}

function child<T>(node: TrieNode<T>, segment: PathSegment, ids: { next: number }): TrieNode<T> {
  const make = (isDeep: boolean): TrieNode<T> => ({
    id: ids.next++,
    keys: undefined,
    indexes: undefined,
    any: undefined,
    deep: undefined,
    isDeep,
    terminal: undefined,
  })
  switch (segment.kind) {
    case 'key': {
      node.keys ??= new Map()
      let next = node.keys.get(segment.name)
      if (!next) node.keys.set(segment.name, (next = make(false)))
      return next
    }
    case 'index': {
      node.indexes ??= new Map()
      let next = node.indexes.get(segment.index)
      if (!next) node.indexes.set(segment.index, (next = make(false)))
      return next
    }
    case 'any':
      return (node.any ??= make(false))
    case 'deep':
      return (node.deep ??= make(true))
  }
}

/** Adds the nodes a `**` reaches without consuming a level. */
function closeOver<T>(nodes: TrieNode<T>[]): TrieNode<T>[] {
  for (let i = 0; i < nodes.length; i++) {
    const deep = (nodes[i] as TrieNode<T>).deep
    if (deep !== undefined && !nodes.includes(deep)) nodes.push(deep)
  }
  return nodes
}

function intern<T>(compiled: CompiledPaths<T>, nodes: TrieNode<T>[]): PathState<T> | null {
  if (nodes.length === 0) return null
  const id = nodes
    .map((node) => node.id)
    .sort((a, b) => a - b)
    .join(',')
  const known = compiled.states.get(id)
  if (known !== undefined) return known
  let terminal: Terminal<T> | undefined
  let literalOnly = true
  let hasKeys = false
  let hasIndexes = false
  let indexesNamed = false
  const named = new Set<string | number>()
  const lookup = new Set<string>()
  for (const node of nodes) {
    if (
      node.terminal !== undefined &&
      (terminal === undefined || node.terminal.order < terminal.order)
    ) {
      terminal = node.terminal
    }
    const wild = node.any !== undefined || node.isDeep
    if (wild) literalOnly = false
    if (wild || node.keys !== undefined) hasKeys = true
    if (wild || node.indexes !== undefined) hasIndexes = true
    for (const key of node.keys?.keys() ?? []) {
      named.add(key)
      lookup.add(key)
    }
    for (const index of node.indexes?.keys() ?? []) {
      named.add(index)
      indexesNamed = true
    }
  }
  const state: PathState<T> = {
    terminal,
    lookup: literalOnly ? [...lookup] : undefined,
    lookupNext: [],
    hasKeys,
    hasIndexes,
    indexesNamed,
    nodes,
    named: named.size === 0 ? undefined : named,
    next: new Map(),
    other: undefined,
  }
  compiled.states.set(id, state)
  // Literal-only states lead strictly down the trie, so filling these eagerly terminates.
  for (const key of state.lookup ?? []) state.lookupNext.push(transition(compiled, state, key))
  return state
}

/** The state after stepping through `key` (an object key or an array index); `null`: no match. */
export function transition<T>(
  compiled: CompiledPaths<T>,
  state: PathState<T>,
  key: string | number,
): PathState<T> | null {
  const literal = state.named?.has(key) === true
  const cached = literal ? state.next.get(key) : state.other
  if (cached !== undefined) return cached
  const nodes: TrieNode<T>[] = []
  const add = (node: TrieNode<T> | undefined) => {
    if (node !== undefined && !nodes.includes(node)) nodes.push(node)
  }
  for (const node of state.nodes) {
    if (literal) add(typeof key === 'string' ? node.keys?.get(key) : node.indexes?.get(key))
    add(node.any)
    if (node.isDeep) add(node)
  }
  const next = intern(compiled, closeOver(nodes))
  if (literal) state.next.set(key, next)
  else state.other = next
  return next
}

/**
 * Compiles path patterns, each with its data (a field spec, a mask rule…). A bare field name
 * (`ssn`) matches at any depth (see src/paths/parse.ts). When several paths match one value, the
 * one listed first wins. Duplicate paths keep their first entry.
 *
 * @example
 * ```ts
 * const compiled = compilePaths([['items[*].card', 'last4'], ['**.ssn', 'ssn']])
 * ```
 */
export function compilePaths<T>(entries: Iterable<readonly [string, T]>): CompiledPaths<T> {
  const ids = { next: 0 }
  const root: TrieNode<T> = {
    id: ids.next++,
    keys: undefined,
    indexes: undefined,
    any: undefined,
    deep: undefined,
    isDeep: false,
    terminal: undefined,
  }
  const paths: string[] = []
  let order = 0
  for (const [path, data] of entries) {
    let node = root
    for (const segment of patternSegments(path)) node = child(node, segment, ids)
    if (node.terminal === undefined) {
      node.terminal = { data, order: order++ }
      paths.push(path)
    }
  }
  const compiled: CompiledPaths<T> = { root, paths, start: null, states: new Map() }
  compiled.start = intern(compiled, closeOver([root]))
  return compiled
}
