import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))
/**
 * Unit tests about a contract rather than one source file: the public types, this layout, the
 * value format's published vectors, the reference design's seed data, and the in-memory
 * master-key provider that the provider contract suite runs against (test/helpers). The
 * documentation's own tests are in test/docs.
 */
const CONTRACT_TESTS = new Set([
  'types',
  'layout',
  'crypto/value-format-vectors',
  'crypto/seed-format',
  'master-key/memory-provider',
])

describe('source layout', () => {
  it('names each unit test after its source file: test/unit/<folder>/<file>[-aspect].test.ts', () => {
    const tests = readdirSync(`${ROOT}test/unit`, { recursive: true, encoding: 'utf8' })
      .map((file) => file.replace(/\\/g, '/'))
      .filter((file) => file.endsWith('.test.ts'))
      .map((file) => file.slice(0, -'.test.ts'.length))
    expect(tests.length).toBeGreaterThan(50)
    const sourceOf = (test: string): string | undefined => {
      const folder = test.slice(0, test.lastIndexOf('/') + 1)
      const words = test.slice(folder.length).split('-')
      for (let n = words.length; n > 0; n--) {
        const source = `src/${folder}${words.slice(0, n).join('-')}.ts`
        if (existsSync(ROOT + source)) return source
      }
      return undefined
    }
    const orphans = tests.filter((test) => !CONTRACT_TESTS.has(test) && !sourceOf(test))
    expect(orphans).toEqual([])
  })

  it('is mapped in CONTRIBUTING.md: every top-level src/ and test/ folder, only paths that exist', () => {
    const contributing = readFileSync(`${ROOT}CONTRIBUTING.md`, 'utf8')
    const start = contributing.indexOf('\n## Layout\n')
    expect(start).toBeGreaterThan(-1)
    const section = contributing.slice(start, contributing.indexOf('\n## ', start + 1))
    const named = [...section.matchAll(/^\| `([^`]+)`(?:, `([^`]+)`)? \|/gm)].flatMap((row) =>
      row.slice(1).filter((path) => path !== undefined),
    )
    expect(named.filter((path) => !existsSync(ROOT + path))).toEqual([])
    const topLevel = ['src', 'test'].flatMap((root) =>
      readdirSync(ROOT + root, { withFileTypes: true })
        .filter((entry) => entry.isDirectory())
        .map((entry) => `${root}/${entry.name}/`),
    )
    expect(topLevel.filter((dir) => !named.includes(dir))).toEqual([])
  })
})
