/**
 * The named masking rules of `createMasker` and the reference design's field → rule table.
 *
 * @module
 */
import { maskTail } from '../util/code-points.js'
import { maskEmail, maskPhone } from './reference.js'

/**
 * A built-in rule: `card`, `ssn` and `last4` show the last four characters; `email` keeps the
 * first and last character of the local part; `phone` keeps the last four digits; `full` masks
 * every character (the length stays visible).
 */
export type MaskRuleName = 'card' | 'ssn' | 'email' | 'phone' | 'last4' | 'full'

const lastFour = (text: string): string => maskTail(text, 4, '*')

/** Text → masked text, for each built-in rule. */
export const NAMED_RULES: Readonly<Record<MaskRuleName, (text: string) => string>> = Object.freeze({
  card: lastFour,
  ssn: lastFour,
  last4: lastFour,
  email: maskEmail,
  phone: maskPhone,
  full: (text: string) => maskTail(text, 0, '*'),
})

/** The built-in rule names, for validation messages and docs. */
export const MASK_RULE_NAMES: readonly MaskRuleName[] = Object.freeze(
  Object.keys(NAMED_RULES) as MaskRuleName[],
)

/** True for a built-in rule name. */
export function isMaskRuleName(value: unknown): value is MaskRuleName {
  return typeof value === 'string' && Object.hasOwn(NAMED_RULES, value)
}

/**
 * The reference design's `FieldMasker` rules as field name → rule name. Turn them into masker
 * rules at any depth with a `**.` prefix.
 *
 * @example
 * ```ts
 * const masker = createMasker({
 *   rules: Object.fromEntries(
 *     Object.entries(REFERENCE_MASK_RULES).map(([field, rule]) => [`**.${field}`, rule]),
 *   ),
 * })
 * ```
 */
export const REFERENCE_MASK_RULES: Readonly<Record<string, MaskRuleName>> = Object.freeze({
  ssn: 'ssn',
  tax_id: 'last4',
  credit_card_number: 'card',
  bank_account_number: 'last4',
  routing_number: 'last4',
  phone_number: 'phone',
  email: 'email',
})
