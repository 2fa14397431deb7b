import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { transform } from 'esbuild'
import { defineConfig, type Plugin } from 'vitest/config'

/**
 * Vite's Oxc transform does not lower standard (TC39) decorators yet; esbuild does. Only test
 * files that use `accessor` decorators go through it.
 */
const standardDecorators: Plugin = {
  name: 'fieldseal:standard-decorators',
  enforce: 'pre',
  async transform(code, id) {
    if (!id.endsWith('.ts') || !/@\w+[^\n]*\baccessor\b/.test(code)) return null
    const result = await transform(code, {
      loader: 'ts',
      target: 'es2022',
      sourcemap: true,
      sourcefile: id,
    })
    return { code: result.code, map: result.map }
  },
}

/**
 * Every `fieldseal/…` entry point resolves to its source, as tsconfig `paths` maps it: one list
 * (tsconfig.json), which test/packaging/exports.test.ts checks against package.json "exports".
 */
const tsconfig = JSON.parse(readFileSync(new URL('./tsconfig.json', import.meta.url), 'utf8'))
const paths: Record<string, [string]> = tsconfig.compilerOptions.paths
const selfImports = Object.entries(paths).map(([name, [file]]) => ({
  find: new RegExp(`^${name}$`),
  replacement: fileURLToPath(new URL(file, import.meta.url)),
}))

export default defineConfig({
  plugins: [standardDecorators],
  resolve: { alias: selfImports },
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    coverage: {
      provider: 'v8',
      include: ['src/**/*.ts', 'adapters/**/*.ts'],
      // Type-only modules and barrels hold no code; the CLI is tested end to end in child
      // processes (test/cli), where v8 coverage of this process cannot see it.
      exclude: [
        'src/**/types.ts',
        'src/core/events.ts',
        'src/crypto/key-source.ts',
        'src/index.ts',
        'src/keyring/index.ts',
        'src/http/index.ts',
        'src/migrate/index.ts',
        'src/reference/index.ts',
        'src/cli/**',
      ],
      thresholds: { lines: 96, statements: 95, functions: 95, branches: 90 },
    },
  },
})
