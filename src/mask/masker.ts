/**
 * Path-based masking of whole documents (`createMasker`, `maskDocument`), in the fast-redact/pino
 * shape: `paths` are censored (or removed), `rules` mask by kind (card, ssn, email…), and the
 * opt-in `detect` masks card numbers and SSNs found anywhere. Same path language and walker as
 * encryption; inputs are never mutated and only the containers on the way to a masked value are
 * copied.
 *
 * @module
 */
import { looksLikeCardNumber, looksLikeSsn } from './detect.js'
import { maskTail } from '../util/code-points.js'
import { jsonRoot } from '../paths/json-form.js'
import { DEFAULT_CENSOR, maskableText } from './reference.js'
import { isMaskRuleName, MASK_RULE_NAMES, NAMED_RULES, type MaskRuleName } from './rules.js'
import {
  booleanOption,
  invalidOption,
  optionNames,
  optionsObject,
  positiveInteger,
  rejectUnknownOptions,
} from '../util/option-checks.js'
import { parsePath } from '../paths/parse.js'
import {
  compilePaths,
  DESCEND,
  isPlainObject,
  KEEP,
  REMOVE,
  walkPaths,
  type Match,
} from '../paths/walk.js'

export type { MaskRuleName } from './rules.js'

/** What a censored value becomes: a fixed value, or a function of the value and its path. */
export type Censor = string | ((value: unknown, path: string) => unknown)

/** A built-in rule name, or a function of the value and its printable path. */
export type MaskRule = MaskRuleName | ((value: unknown, path: string) => unknown)

/** Options of {@link createMasker}. `undefined`, `{}` and `Object.create(null)` are the same. */
export interface MaskOptions {
  /** Paths whose values are replaced by `censor` (or dropped with `remove`). Defaults to none. */
  readonly paths?: readonly string[]
  /** Path → rule, e.g. `{ 'customers[*].ssn': 'ssn', '**.email': 'email' }`. Defaults to none. */
  readonly rules?: Readonly<Record<string, MaskRule>>
  /**
   * Replacement for `paths` values and for objects met at a rule path.
   * Defaults to `'[REDACTED]'`.
   */
  readonly censor?: Censor
  /**
   * Drop the properties (or array elements) at `paths` instead of censoring them.
   * Defaults to `false`.
   */
  readonly remove?: boolean
  /**
   * Also mask, in any field, strings that look like a card number (Luhn-valid, 13–19 digits) or
   * an SSN. `true` turns both on; in the object form each flag defaults to `false`.
   * Defaults to `false`.
   */
  readonly detect?: boolean | { readonly cards?: boolean; readonly ssn?: boolean }
  /** Deepest nesting walked; deeper data throws `ERR_FIELDSEAL_TOO_DEEP`. Defaults to `32`. */
  readonly maxDepth?: number
}

/** A compiled masker: returns a masked copy of `doc` (or `doc` itself when nothing is masked). */
export type Masker = <T>(doc: T) => T

type Handler = (value: unknown, match: Match<Handler>) => unknown

const WHERE = 'createMasker'
/** The option names of {@link MaskOptions}. */
export const MASK_OPTION_NAMES = optionNames<MaskOptions>({
  paths: true,
  rules: true,
  censor: true,
  remove: true,
  detect: true,
  maxDepth: true,
})
const KNOWN_DETECT = optionNames<Exclude<MaskOptions['detect'], boolean | undefined>>({
  cards: true,
  ssn: true,
})
/** Lowest priority: reaches every value for detection, after all configured paths. */
const EVERYWHERE = '**.*'

function checkPath(path: unknown, name: string): string {
  if (typeof path !== 'string') throw invalidOption(WHERE, `${name} must hold path strings`)
  parsePath(path)
  return path
}

function censorHandler(censor: unknown): Handler {
  if (typeof censor === 'string') return () => censor
  if (typeof censor === 'function') return (value, match) => censor(value, match.path())
  throw invalidOption(WHERE, 'censor must be a string or a function')
}

/** Empty values pass; primitives are masked as text; objects are censored whole. */
function ruleHandler(path: string, rule: unknown, whole: Handler): Handler {
  if (typeof rule === 'function') {
    return (value, match) => {
      if (value === '' || value === null || value === undefined) return KEEP
      if (typeof value === 'object' || typeof value === 'function') return whole(value, match)
      return rule(value, match.path())
    }
  }
  if (!isMaskRuleName(rule)) {
    throw invalidOption(
      WHERE,
      `rule of "${path}" must be a function or one of ${MASK_RULE_NAMES.join(', ')}`,
    )
  }
  const mask = NAMED_RULES[rule]
  return (value, match) => {
    if (typeof value === 'string') return value === '' ? KEEP : mask(value)
    if (value === null || value === undefined) return KEEP
    const text = maskableText(value)
    return text === undefined ? whole(value, match) : mask(text)
  }
}

function detectFlags(detect: unknown): { cards: boolean; ssn: boolean } {
  if (detect === undefined || typeof detect === 'boolean') {
    return { cards: detect === true, ssn: detect === true }
  }
  if (typeof detect !== 'object' || detect === null || Array.isArray(detect)) {
    throw invalidOption(WHERE, 'detect must be a boolean or { cards?, ssn? }')
  }
  const flags = optionsObject(detect, `${WHERE} detect`)
  rejectUnknownOptions(flags, KNOWN_DETECT, `${WHERE} detect`)
  return {
    cards: booleanOption(flags.cards, false, 'detect.cards', WHERE),
    ssn: booleanOption(flags.ssn, false, 'detect.ssn', WHERE),
  }
}

/** Masks a string found anywhere that looks like a card number or an SSN. */
function detector(cards: boolean, ssn: boolean): (text: string) => string {
  return (text) =>
    (cards && looksLikeCardNumber(text)) || (ssn && looksLikeSsn(text))
      ? maskTail(text, 4, '*')
      : text
}

/**
 * Validates and compiles masking options once, and returns the masking function (named
 * `maskDocument`). Configured paths win over detection; when a value matches several paths, the
 * first listed wins, `rules` before `paths`. Throws `ERR_FIELDSEAL_INVALID_OPTION` or
 * `ERR_FIELDSEAL_INVALID_PATH` for a bad configuration; the masker throws
 * `ERR_FIELDSEAL_TOO_DEEP` for data nested deeper than `maxDepth`.
 *
 * @example
 * ```ts
 * const mask = createMasker({
 *   rules: { 'customers[*].ssn': 'ssn', '**.email': 'email' },
 *   paths: ['**.password'],
 * })
 * mask({ customers: [{ ssn: '123-45-6789', email: 'ann@x.io', password: 'pw' }] })
 * // { customers: [{ ssn: '*******6789', email: 'a*n@x.io', password: '[REDACTED]' }] }
 * ```
 */
export function createMasker(options?: Readonly<MaskOptions>): Masker {
  const input = optionsObject(options, WHERE)
  rejectUnknownOptions(input, MASK_OPTION_NAMES, WHERE)
  const whole = censorHandler(input.censor === undefined ? DEFAULT_CENSOR : input.censor)
  const remove = booleanOption(input.remove, false, 'remove', WHERE)
  const maxDepth = positiveInteger(input.maxDepth, 32, 'maxDepth', WHERE)
  const { cards, ssn } = detectFlags(input.detect)

  const entries: Array<[string, Handler]> = []
  if (input.rules !== undefined) {
    const rules = input.rules
    // A Map or class instance would enumerate no rules and mask nothing: refuse it.
    if (!isPlainObject(rules)) {
      throw invalidOption(WHERE, 'rules must be a plain object of path → rule')
    }
    for (const [path, rule] of Object.entries(rules)) {
      entries.push([checkPath(path, 'rules'), ruleHandler(path, rule, whole)])
    }
  }
  if (input.paths !== undefined) {
    if (!Array.isArray(input.paths)) throw invalidOption(WHERE, 'paths must be an array')
    const handler: Handler = remove ? () => REMOVE : whole
    for (const path of input.paths) entries.push([checkPath(path, 'paths'), handler])
  }
  const detect = cards || ssn ? detector(cards, ssn) : undefined
  if (detect !== undefined) {
    entries.push([
      EVERYWHERE,
      (value) => {
        if (typeof value === 'string') return detect(value)
        return typeof value === 'object' && value !== null ? DESCEND : KEEP
      },
    ])
  }

  const compiled = compilePaths(entries)
  const limits = { maxDepth, json: true }
  const visit = (value: unknown, match: Match<Handler>): unknown => match.data(value, match)
  return function maskDocument<T>(doc: T): T {
    // What JSON.stringify would send of it: class instances and toJSON() at any depth.
    const root = jsonRoot(doc)
    if (typeof root === 'string' && detect !== undefined) {
      const masked = detect(root)
      return (masked === root ? doc : masked) as T
    }
    if (typeof root !== 'object' || root === null) return doc
    return walkPaths(root, compiled, visit, limits) as T
  }
}

/**
 * One-off masking of `doc` with `options`. Compiles the options on every call: for repeated use
 * (middleware, loggers) create the masker once with {@link createMasker}.
 *
 * @example
 * ```ts
 * maskDocument({ card: '4111111111111111' }, { rules: { card: 'card' } })
 * // { card: '************1111' }
 * ```
 */
export function maskDocument<T>(doc: T, options: Readonly<MaskOptions>): T {
  return createMasker(options)(doc)
}
