/**
 * The entry points are listed three times — package.json "exports" (what users import),
 * tsconfig.json "paths" (what the repository's tests, examples and tsx resolve them to) and,
 * derived from the latter, vitest's aliases — so this checks, without packing, that the lists
 * agree and that every entry's source exists. pack.test.ts then imports each from the tarball.
 */
import { existsSync, readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'

const ROOT = new URL('../../', import.meta.url)
const json = (file: string) => JSON.parse(readFileSync(new URL(file, ROOT), 'utf8'))
const pkg = json('package.json')
const paths: Record<string, string[]> = json('tsconfig.json').compilerOptions.paths

/** `fieldseal/http` → `./dist/src/http/index.js` as package.json names it. */
const entries = Object.entries(pkg.exports as Record<string, unknown>)
  .filter(([subpath]) => subpath !== './package.json')
  .map(([subpath, target]) => {
    const { types, default: file } = target as { types: string; default: string }
    return { name: subpath === '.' ? 'fieldseal' : `fieldseal/${subpath.slice(2)}`, types, file }
  })

describe('entry points', () => {
  it('are the audiences the package serves', () => {
    expect(entries.map((entry) => entry.name)).toEqual([
      'fieldseal',
      'fieldseal/keyring',
      'fieldseal/migrate',
      'fieldseal/http',
      'fieldseal/express',
      'fieldseal/koa',
      'fieldseal/fastify',
      'fieldseal/reference',
    ])
  })

  it('map to the same sources in package.json "exports" and tsconfig "paths" (and so vitest)', () => {
    expect(Object.keys(paths).sort()).toEqual(entries.map((entry) => entry.name).sort())
    for (const { name, types, file } of entries) {
      const source = `./${file.replace(/^\.\/dist\//, '').replace(/\.js$/, '.ts')}`
      expect(paths[name], name).toEqual([source])
      expect(types, name).toBe(file.replace(/\.js$/, '.d.ts'))
      expect(existsSync(new URL(source, ROOT)), source).toBe(true)
    }
  })

  it('keeps the root to the everyday API: a few dozen names', async () => {
    const root = await import('fieldseal')
    const names = Object.keys(root)
    expect(names.length).toBeLessThanOrEqual(40) // values only; types add about 20
    for (const name of ['createFieldseal', 'AesGcmCipher', 'createMasker', 'FieldsealError']) {
      expect(names).toContain(name)
    }
    for (const name of ['openKeyring', 'keyUsage', 'createHttpPipeline', 'maskDict']) {
      expect(names).not.toContain(name)
    }
  })
})
