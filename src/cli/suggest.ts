/**
 * "Did you mean…" for the command line: the closest known word to a mistyped command or flag.
 *
 * @module
 */
import { closest } from '../util/did-you-mean.js'
import { looksLikeKeyMaterial } from './redact.js'

export { closest }

/**
 * ` Did you mean "x"?` for a mistyped word, or `''`.
 *
 * @example
 * ```ts
 * `unknown command "kyes".${didYouMean('kyes', ['keys', 'usage'])}` // … Did you mean "keys"?
 * ```
 */
export function didYouMean(word: string, known: readonly string[], prefix = ''): string {
  const guess = closest(word, known)
  return guess === undefined ? '' : ` Did you mean "${prefix}${guess}"?`
}

/**
 * Whether a word from the command line may be quoted in a message: it looks like a command, a
 * flag, a file name or a key id, and not like key material.
 *
 * @example
 * ```ts
 * mayEcho('--dyas') // true
 * mayEcho('q8Vw1nX0hP2mZl9rT4sY7uB3cD5eF6gH8iJ0kL1mN2o') // false
 * ```
 */
export function mayEcho(word: string): boolean {
  return (
    word.length <= 66 &&
    /^[\w.:@-]+$/.test(word) &&
    /[A-Za-z0-9]/.test(word) &&
    !looksLikeKeyMaterial(word)
  )
}

/**
 * A word from the command line as it may be echoed in a message: quoted when it looks like a
 * command, flag or key id, else replaced by its place on the line. A key or passphrase pasted by
 * mistake in place of an argument must not travel on into logs.
 *
 * @example
 * ```ts
 * echo('rotte', 1) // '"rotte"'
 * echo('q2k3…44 chars of base64…', 2) // 'argument 2'
 * ```
 */
export function echo(word: string, position: number): string {
  return mayEcho(word) ? `"${word}"` : `argument ${position}`
}
