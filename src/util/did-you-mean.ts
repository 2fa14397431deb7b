/**
 * "Did you mean…" for misspelt options, commands and flags: the closest known word. Shared by
 * option validation and the command line.
 *
 * @module
 */

/** Levenshtein distance, ignoring case. */
function distance(a: string, b: string): number {
  const x = a.toLowerCase()
  const y = b.toLowerCase()
  const row = Array.from({ length: y.length + 1 }, (_, i) => i)
  for (let i = 1; i <= x.length; i++) {
    let diagonal = row[0] as number
    row[0] = i
    for (let j = 1; j <= y.length; j++) {
      const above = row[j] as number
      const cost = x[i - 1] === y[j - 1] ? 0 : 1
      row[j] = Math.min(above + 1, (row[j - 1] as number) + 1, diagonal + cost)
      diagonal = above
    }
  }
  return row[y.length] as number
}

/**
 * The known word closest to `word`, if it is close enough to be a typo (or `word` is a prefix of
 * it); otherwise `undefined`.
 *
 * @example
 * ```ts
 * closest('rotte', ['rotate', 'retire']) // 'rotate'
 * closest('feilds', ['fields', 'keys']) // 'fields'
 * closest('xyz', ['rotate']) // undefined
 * ```
 */
export function closest(word: string, known: readonly string[]): string | undefined {
  const lower = word.toLowerCase()
  const limit = Math.max(2, Math.floor(lower.length / 3))
  let best: { name: string; score: number } | undefined
  for (const name of known) {
    const prefix = name.toLowerCase().startsWith(lower) && lower.length >= 2
    const score = prefix ? 0.5 : distance(lower, name)
    if (score <= limit && (best === undefined || score < best.score)) best = { name, score }
  }
  return best?.name
}
