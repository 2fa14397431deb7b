/**
 * The version `fieldseal --version` prints: the `version` of the package this file ships in,
 * found by walking up from it (the same code runs from `src/cli` and from `dist/src/cli`).
 *
 * @module
 */
import { readFile } from 'node:fs/promises'

/**
 * The fieldseal package version, or `unknown`.
 *
 * @example
 * ```ts
 * await packageVersion() // '0.1.0'
 * ```
 */
export async function packageVersion(): Promise<string> {
  let folder = new URL('./', import.meta.url)
  for (let depth = 0; depth < 5; depth++) {
    folder = new URL('../', folder)
    try {
      const pkg = JSON.parse(await readFile(new URL('package.json', folder), 'utf8')) as {
        name?: unknown
        version?: unknown
      }
      if (pkg.name === 'fieldseal' && typeof pkg.version === 'string') return pkg.version
    } catch {
      // not here: keep walking up
    }
  }
  return 'unknown'
}
