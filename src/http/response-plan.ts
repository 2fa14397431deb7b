/**
 * Compiles what a JSON response goes through — the app's mask options merged with a route's —
 * once per middleware and route, never per response. A plan is frozen: it is shared by every
 * response of its route, so what one response does is kept in that response's own objects.
 *
 * Revealed fields and censored ciphertext travel through the masker as opaque {@link Held}
 * markers, made per response: the masker leaves objects it meets outside its paths alone and
 * hands objects at its paths to the censor, which this module wraps to give the held value back
 * (and mark that marker released). Revealed paths are put first among the rules, so they win over
 * every other rule, path and detection.
 *
 * @module
 */
import { Opaque } from '../paths/json-form.js'
import { DEFAULT_CENSOR } from '../mask/reference.js'
import {
  createMasker,
  type Censor,
  type MaskOptions,
  type MaskRule,
  type Masker,
} from '../mask/masker.js'
import { compilePaths, type CompiledPaths } from '../paths/walk.js'
import type { MaskSpec } from './http-options.js'

/** A value the masker must hand back untouched (a revealed field, a censored ciphertext). */
export class Held extends Opaque {
  /** Set when the masker gave the value back; markers left unreleased are undone afterwards. */
  released = false
  constructor(readonly value: unknown) {
    super()
  }
}

/** A compiled response treatment. */
export interface ResponsePlan {
  readonly decrypt: boolean
  /** Reveal paths, or `undefined` when none. */
  readonly reveal: CompiledPaths<true> | undefined
  /** What an `enc:` value becomes where it may not be decrypted. */
  readonly censor: Censor
  readonly remove: boolean
  /** `undefined` when nothing would be masked: values then go in place without markers. */
  readonly masker: Masker | undefined
}

const keepRevealed: MaskRule = (value) => value

function detects(detect: MaskOptions['detect']): boolean {
  if (detect === undefined || typeof detect === 'boolean') return detect === true
  return detect.cards === true || detect.ssn === true
}

/** Merges a route's spec over the app's (either may be absent) and compiles it. */
export function compileResponsePlan(
  app: MaskSpec | undefined,
  route: MaskSpec | undefined,
): ResponsePlan {
  const specs = [route, app].filter((spec): spec is MaskSpec => spec !== undefined)
  const pick = <K extends keyof MaskOptions>(name: K): MaskOptions[K] =>
    specs.map((spec) => spec.masker[name]).find((value) => value !== undefined)

  const reveal = [...new Set(specs.flatMap((spec) => spec.reveal))]
  const rules: Record<string, MaskRule> = Object.create(null)
  for (const path of reveal) rules[path] = keepRevealed
  for (const spec of specs) {
    for (const [path, rule] of Object.entries(spec.masker.rules ?? {})) {
      if (!(path in rules)) rules[path] = rule // the first listed (the route's) wins
    }
  }
  const paths = [...new Set(specs.flatMap((spec) => spec.masker.paths ?? []))]
  const detect = pick('detect')
  const censor = pick('censor') ?? DEFAULT_CENSOR
  const remove = pick('remove') ?? false
  const masks = Object.keys(rules).length > reveal.length || paths.length > 0 || detects(detect)

  const release = (value: unknown, path: string): unknown => {
    if (value instanceof Held) {
      value.released = true
      return value.value
    }
    return typeof censor === 'function' ? censor(value, path) : censor
  }
  const maxDepth = pick('maxDepth')
  return Object.freeze({
    decrypt: specs.map((spec) => spec.decrypt).find((value) => value !== undefined) ?? false,
    reveal:
      reveal.length === 0 ? undefined : compilePaths(reveal.map((path) => [path, true] as const)),
    censor,
    remove,
    masker: masks
      ? createMasker({
          rules,
          paths,
          censor: release,
          remove,
          ...(detect === undefined ? {} : { detect }),
          ...(maxDepth === undefined ? {} : { maxDepth }),
        })
      : undefined,
  })
}
