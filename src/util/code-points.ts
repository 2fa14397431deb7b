/**
 * Code-point arithmetic on UTF-16 strings for masking: a surrogate pair (an emoji, say) is one
 * character, a lone surrogate counts as one too (as `Array.from` does), and a mask never splits
 * a pair. Also the well-formedness test for text that is bound into a ciphertext or an index.
 *
 * @module
 */

/** `String.prototype.isWellFormed` (Node.js 20; typed from lib ES2024, which this build omits). */
type WellFormedCheck = { isWellFormed(): boolean }

/**
 * True when `text` is well-formed UTF-16: no lone surrogate. Text that is not cannot be encoded
 * as UTF-8 faithfully (each lone surrogate becomes U+FFFD), so `"\uD800"` and `"\uFFFD"` would
 * bind the same bytes; contexts, field names and blind-indexed values must pass this.
 *
 * @example
 * ```ts
 * isWellFormedText('ssn') // true
 * isWellFormedText('\uD800') // false
 * ```
 */
export function isWellFormedText(text: string): boolean {
  return (text as unknown as WellFormedCheck).isWellFormed()
}

/** True for a UTF-16 high (leading) surrogate. */
export const isHigh = (unit: number): boolean => unit >= 0xd800 && unit <= 0xdbff
/** True for a UTF-16 low (trailing) surrogate. */
export const isLow = (unit: number): boolean => unit >= 0xdc00 && unit <= 0xdfff

/** Code points in `text[start, end)`; a lone surrogate counts as one, as `Array.from` does. */
export function codePoints(text: string, start: number, end: number): number {
  let count = end - start
  for (let i = start; i < end - 1; i++) {
    if (isHigh(text.charCodeAt(i)) && isLow(text.charCodeAt(i + 1))) {
      count--
      i++
    }
  }
  return count
}

/** UTF-16 length of the code point that ends at `end` (exclusive). */
export function lastWidth(text: string, end: number): number {
  return end >= 2 && isLow(text.charCodeAt(end - 1)) && isHigh(text.charCodeAt(end - 2)) ? 2 : 1
}

// Masks of the default character, built once: `repeat` is a runtime call on every use.
const STARS = Array.from({ length: 65 }, (_, n) => '*'.repeat(n))

/** `maskChar` repeated `count` times. */
export function repeat(maskChar: string, count: number): string {
  return maskChar === '*' && count < STARS.length
    ? (STARS[count] as string)
    : maskChar.repeat(count)
}

/**
 * Masks all but the last `visible` code points, without argument checks: `maskField` for
 * fieldseal's own callers. A value of `visible` code points or fewer is masked whole.
 *
 * @example
 * ```ts
 * maskTail('4111111111111111', 4, '*') // '************1111'
 * ```
 */
export function maskTail(value: string, visible: number, maskChar: string): string {
  let cut = value.length
  for (let kept = 0; kept < visible && cut > 0; kept++) cut -= lastWidth(value, cut)
  // A value no longer than `visible` is masked whole, as in the reference.
  if (cut === 0) return repeat(maskChar, codePoints(value, 0, value.length))
  return repeat(maskChar, codePoints(value, 0, cut)) + value.slice(cut)
}
