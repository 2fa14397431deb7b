/**
 * "Did you mean…" for the command line: the closest known word to a mistyped command or flag.
 *
 * @module
 */

function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i)
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0] as number
    row[0] = i
    for (let j = 1; j <= b.length; j++) {
      const above = row[j] as number
      const cost = a[i - 1] === b[j - 1] ? 0 : 1
      row[j] = Math.min(above + 1, (row[j - 1] as number) + 1, diagonal + cost)
      diagonal = above
    }
  }
  return row[b.length] as number
}

/**
 * The known word closest to `word`, if it is close enough to be a typo (or `word` is a prefix of
 * it); otherwise `undefined`.
 *
 * @example
 * ```ts
 * closest('rotte', ['rotate', 'retire']) // 'rotate'
 * closest('xyz', ['rotate']) // undefined
 * ```
 */
export function closest(word: string, known: readonly string[]): string | undefined {
  const lower = word.toLowerCase()
  const limit = Math.max(2, Math.floor(lower.length / 3))
  let best: { name: string; score: number } | undefined
  for (const name of known) {
    const score = name.startsWith(lower) && lower.length >= 2 ? 0.5 : distance(lower, name)
    if (score <= limit && (best === undefined || score < best.score)) best = { name, score }
  }
  return best?.name
}

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
