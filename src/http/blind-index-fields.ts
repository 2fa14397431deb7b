/**
 * Adds blind indexes beside the fields that ask for one (`{ path: 'ssn', blindIndex: true }`
 * → `ssn_bidx`) in a request body, before the fields are encrypted.
 *
 * Two steps over the plaintext: a walk over the indexed paths (and their index siblings)
 * replaces each value by a pending pair and drops any index the client sent, then a splice
 * writes the pair back as value + index. The index a client sends is never kept: an absent or
 * empty field gets no index at all.
 *
 * @module
 */
import type { Binder } from '../core/binding.js'
import { type BlindIndexKey, normalizeForBlindIndex } from '../blind-index/blind-index.js'
import { isEncrypted } from '../crypto/envelope.js'
import { FieldsealError } from '../errors.js'
import type { ResolvedField } from '../core/options.js'
import { appendPath, patternSegments, type PathSegment } from '../paths/parse.js'
import {
  compilePaths,
  isPlainObject,
  REMOVE,
  walkPaths,
  type CompiledPaths,
} from '../paths/walk.js'

/** A field value with the index to write beside it (`undefined`: none). */
class Pending {
  constructor(
    readonly value: unknown,
    readonly index: string | undefined,
  ) {}
}

type Role =
  | { readonly kind: 'field'; readonly name: string; readonly bound: boolean }
  | { readonly kind: 'sibling' }

/** Compiled once per middleware. */
export interface BlindIndexPlan {
  readonly key: BlindIndexKey
  readonly suffix: string
  readonly paths: CompiledPaths<Role>
}

function printSegments(segments: readonly PathSegment[]): string {
  let path = ''
  for (const segment of segments) {
    if (segment.kind === 'key') path = appendPath(path, segment.name)
    else if (segment.kind === 'index') path = `${path}[${segment.index}]`
    else path += `${path === '' ? '' : '.'}${segment.kind === 'any' ? '*' : '**'}`
  }
  return path
}

/**
 * Compiles the indexed fields. A field whose path does not end in a property name (such as
 * `tags[*]`) cannot have an index beside it: `ERR_FIELDSEAL_INVALID_OPTION`.
 */
export function compileBlindIndex(
  fields: readonly ResolvedField[],
  key: BlindIndexKey,
  suffix: string,
): BlindIndexPlan {
  const entries: Array<[string, Role]> = []
  for (const field of fields) {
    const segments = patternSegments(field.path)
    const last = segments.at(-1)
    if (last?.kind !== 'key') {
      throw new FieldsealError(
        'ERR_FIELDSEAL_INVALID_OPTION',
        `fieldseal middleware: blind-indexed field "${field.path}" must end in a property name`,
      )
    }
    const bound = field.blindIndex === 'bound'
    entries.push([field.path, { kind: 'field', name: last.name, bound }])
    const sibling = [...segments.slice(0, -1), { kind: 'key', name: last.name + suffix } as const]
    entries.push([printSegments(sibling), { kind: 'sibling' }])
  }
  return { key, suffix, paths: compilePaths(entries) }
}

function defineOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, {
    value,
    writable: true,
    enumerable: true,
    configurable: true,
  })
}

/**
 * Writes pending pairs back as field + index, copying only containers that hold one. Pending
 * pairs sit no deeper than the walk allowed, so deeper data is not visited.
 */
function splice(node: unknown, suffix: string, depth: number): unknown {
  if (depth < 0) return node
  if (Array.isArray(node)) {
    let copy: unknown[] | undefined
    node.forEach((item, index) => {
      const after = splice(item, suffix, depth - 1)
      if (after !== item) (copy ??= node.slice())[index] = after
    })
    return copy ?? node
  }
  if (!isPlainObject(node)) return node
  const source = node
  let copy: Record<string, unknown> | undefined
  const writable = (): Record<string, unknown> =>
    (copy ??=
      Object.getPrototypeOf(source) === null
        ? Object.assign(Object.create(null), source)
        : { ...source })
  for (const key of Object.keys(source)) {
    const item = source[key]
    if (item instanceof Pending) {
      defineOwn(writable(), key, item.value)
      if (item.index !== undefined) defineOwn(writable(), key + suffix, item.index)
      continue
    }
    const after = splice(item, suffix, depth - 1)
    if (after !== item) defineOwn(writable(), key, after)
  }
  return copy ?? node
}

/**
 * Returns `plaintext` with a blind index beside every indexed field (and without any index the
 * client sent). The walk is bounded by `maxDepth` like every other walk, and each indexed value
 * by `maxLength` (default 4096; `ERR_FIELDSEAL_VALUE_TOO_LONG`).
 */
export function addBlindIndexes(
  plan: BlindIndexPlan,
  plaintext: unknown,
  maxDepth: number,
  maxLength?: number,
  binder?: Binder,
): unknown {
  let pending = 0
  const marked = walkPaths(
    plaintext,
    plan.paths,
    (value, match) => {
      if (match.data.kind === 'sibling') return REMOVE
      if (isEncrypted(value)) {
        // Left encrypted by `decrypt: false`: an index of ciphertext would match nothing.
        throw new FieldsealError(
          'ERR_FIELDSEAL_INVALID_OPTION',
          'fieldseal middleware: a blind-indexed field arrived encrypted, which decrypt: false leaves as it is',
          { path: match.path() },
        )
      }
      const normalised = normalizeForBlindIndex(value, match.path(), maxLength)
      pending++
      if (normalised === undefined) return new Pending(value, undefined)
      const binding = match.data.bound ? binder?.(match.path()) : undefined
      if (match.data.bound && binding === undefined) {
        throw new FieldsealError(
          'ERR_FIELDSEAL_INVALID_OPTION',
          "fieldseal middleware: blindIndex: 'bound' needs the binding option",
        )
      }
      return new Pending(value, plan.key.digest(match.data.name, normalised, binding))
    },
    { maxDepth },
  )
  return pending === 0 ? marked : splice(marked, plan.suffix, maxDepth + 1)
}
