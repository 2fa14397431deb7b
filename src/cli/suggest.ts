/**
 * "Did you mean…" for the command line: the closest known word to a mistyped command or flag.
 *
 * @module
 */
import { closest } from '../did-you-mean.js'

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
 * A word from the command line as it may be echoed in a message: quoted when it looks like a
 * command, flag or key id, else replaced by its position. A key or passphrase pasted by mistake
 * in place of an argument must not travel on into logs.
 *
 * @example
 * ```ts
 * echo('rotte', 1) // '"rotte"'
 * echo('q2k3…44 chars of base64…', 2) // 'argument 2'
 * ```
 */
export function echo(word: string, position: number): string {
  return /^[A-Za-z0-9][\w.:@-]{0,31}$/.test(word) ? `"${word}"` : `argument ${position}`
}
