/**
 * Which declarations users can reach: those the entry points of package.json "exports" export,
 * followed through `export … from` to the source file that declares them. Their TSDoc examples
 * are user code and are checked as strictly as the docs.
 *
 * @module
 */
import { existsSync, readFileSync } from 'node:fs'
import { dirname, join, relative } from 'node:path'

/** `src/core/fieldseal.ts#createFieldseal` for every public declaration. */
export function publicDeclarations(root: string): Set<string> {
  const exports = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).exports as Record<
    string,
    string | { types?: string }
  >
  const found = new Set<string>()
  for (const target of Object.values(exports)) {
    if (typeof target === 'string' || !target.types) continue
    const entry = target.types.replace(/^\.\/dist\//, '').replace(/\.d\.ts$/, '.ts')
    for (const name of moduleExports(root, entry).keys()) follow(root, entry, name, found)
  }
  return found
}

/** Each name a module exports, and the module it comes from (itself when it declares it). */
function moduleExports(root: string, file: string): Map<string, { from: string; name: string }> {
  const source = readFileSync(join(root, file), 'utf8')
  const names = new Map<string, { from: string; name: string }>()
  const declared =
    /^export\s+(?:declare\s+)?(?:abstract\s+)?(?:async\s+)?(?:function\*?|class|interface|type|const|let|enum)\s+([\w$]+)/gm
  for (const match of source.matchAll(declared)) {
    names.set(match[1] ?? '', { from: file, name: match[1] ?? '' })
  }
  const lists = /^export\s+(?:type\s+)?\{([^}]*)\}\s*from\s*'([^']+)'/gm
  for (const [, list = '', specifier = ''] of source.matchAll(lists)) {
    const from = resolveSpecifier(root, file, specifier)
    for (const item of list.split(',')) {
      const [name, alias] = item
        .trim()
        .replace(/^type\s+/, '')
        .split(/\s+as\s+/)
      if (name) names.set(alias ?? name, { from, name })
    }
  }
  for (const [, specifier = ''] of source.matchAll(/^export\s+\*\s+from\s+'([^']+)'/gm)) {
    const from = resolveSpecifier(root, file, specifier)
    for (const name of moduleExports(root, from).keys()) names.set(name, { from, name })
  }
  return names
}

function follow(root: string, file: string, name: string, found: Set<string>): void {
  const origin = moduleExports(root, file).get(name)
  if (!origin) return
  if (origin.from === file) found.add(`${file}#${name}`)
  else follow(root, origin.from, origin.name, found)
}

function resolveSpecifier(root: string, file: string, specifier: string): string {
  const path = relative(root, join(root, dirname(file), specifier.replace(/\.js$/, '.ts')))
  if (!existsSync(join(root, path))) throw new Error(`${file}: cannot resolve ${specifier}`)
  return path
}
