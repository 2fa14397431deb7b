/**
 * Tests what users install: `npm pack` (which builds first, through `prepack`), then the tarball
 * installed (offline) into a temporary ESM project and a TypeScript (NodeNext) project that
 * import every entry point of package.json "exports" and run something through each: a request
 * through each framework's middleware, a keyring, a usage report, the bare HTTP pipeline and a
 * reference helper. express, koa and the type packages come from this repository's node_modules
 * (linked by npm, as folder installs).
 */
import { execFile } from 'node:child_process'
import {
  cpSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))
const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url))
const MODULES = join(ROOT, 'node_modules')
const TSC = join(MODULES, '.bin', 'tsc')
const PUBLINT = join(MODULES, '.bin', 'publint')
const ATTW = join(MODULES, '.bin', 'attw')
const exec = promisify(execFile)
const ENTRIES = Object.keys(
  JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).exports as object,
)
  .filter((subpath) => subpath !== './package.json')
  .map((subpath) => (subpath === '.' ? 'fieldseal' : `fieldseal/${subpath.slice(2)}`))
// Left in dist/ before packing, as an old build of a since deleted source would be.
const STALE = 'dist/src/deleted-since.js'

interface Run {
  readonly code: number
  readonly stdout: string
  readonly stderr: string
}

/** Runs a command; never throws for a non-zero exit (the test asserts on `code`). */
async function run(file: string, args: readonly string[], cwd: string): Promise<Run> {
  try {
    const { stdout, stderr } = await exec(file, args, {
      cwd,
      maxBuffer: 16 * 1024 * 1024,
      timeout: 60_000,
    })
    return { code: 0, stdout, stderr }
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string }
    return {
      code: typeof failed.code === 'number' ? failed.code : 1,
      stdout: failed.stdout ?? '',
      stderr: failed.stderr ?? '',
    }
  }
}

const npm = (args: readonly string[], cwd: string) => run('npm', args, cwd)
const installArgs = (tarball: string, deps: readonly string[]) => [
  'install',
  '--offline',
  '--ignore-scripts',
  '--no-audit',
  '--no-fund',
  '--no-package-lock',
  tarball,
  ...deps.map((name) => join(MODULES, name)),
]

/** A temporary project with `fixture`'s files, the tarball and `deps` installed. */
async function project(
  work: string,
  fixture: string,
  tarball: string,
  deps: readonly string[],
): Promise<string> {
  const dir = join(work, fixture)
  cpSync(join(FIXTURES, fixture), dir, { recursive: true })
  writeFileSync(
    join(dir, 'package.json'),
    JSON.stringify({ name: `${fixture}-smoke`, private: true, type: 'module' }),
  )
  const installed = await npm(installArgs(tarball, deps), dir)
  expect(installed.stderr, 'npm install').not.toMatch(/npm (error|ERR!)/)
  expect(installed.code).toBe(0)
  return dir
}

function expectRequestThrough(result: Record<string, any>): void {
  expect(result.status).toBe(201)
  // The response is masked, the stored body is encrypted, the handler saw the plaintext.
  expect(result.body).toMatchObject({ name: 'Ada', ssn: '*******1120', card: '************1111' })
}

describe('the packed package', () => {
  let work: string
  let tarball: string
  let packed: { files: Array<{ path: string }> }
  let packOutput: Run

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'fieldseal-pack-'))
    mkdirSync(join(ROOT, 'dist/src'), { recursive: true })
    writeFileSync(join(ROOT, STALE), 'export const leftover = true\n')
    packOutput = await npm(['pack', '--json', '--pack-destination', work], ROOT)
    expect(packOutput.code, packOutput.stderr).toBe(0)
    packed = (JSON.parse(packOutput.stdout) as Array<typeof packed & { filename: string }>)[0]!
    tarball = join(work, readdirSync(work).find((name) => name.endsWith('.tgz'))!)
  }, 120_000)

  afterAll(() => {
    if (work !== undefined) rmSync(work, { recursive: true, force: true })
  })

  it('builds before packing (prepack), without type errors, so a stale dist/ never ships', () => {
    expect(packOutput.stderr).toMatch(/> fieldseal@\S+ prepack\n> npm run build/)
    expect(packOutput.stdout + packOutput.stderr).not.toMatch(/error TS\d+/)
    expect(packed.files.map((file) => file.path)).not.toContain(STALE)
  })

  it('packs without warnings, shipping dist and bin (no sources, tests or examples) and no stale output', () => {
    expect(packOutput.stderr).not.toMatch(/npm warn/i)
    const paths = packed.files.map((file) => file.path)
    expect(paths).toEqual(
      expect.arrayContaining(['package.json', 'dist/src/index.js', 'dist/src/index.d.ts']),
    )
    expect(paths).toEqual(
      expect.arrayContaining(['dist/adapters/express.js', 'dist/adapters/koa.d.ts']),
    )
    for (const path of paths) {
      expect(path, path).toMatch(
        /^(dist\/(src|adapters)\/|bin\/|package\.json$|README\.md$|LICENSE$)/,
      )
    }
    // Every emitted module has its source: nothing left over from a file deleted since.
    const sources = new Set([
      ...readdirSync(join(ROOT, 'src'), { recursive: true }).map((file) => `src/${String(file)}`),
      ...readdirSync(join(ROOT, 'adapters'), { recursive: true }).map(
        (file) => `adapters/${String(file)}`,
      ),
    ])
    const stale = paths
      .filter((path) => path.startsWith('dist/') && path.endsWith('.js'))
      .map((path) => path.replace(/^dist\//, '').replace(/\.js$/, '.ts'))
      .filter((source) => !sources.has(source))
    expect(stale).toEqual([])
  })

  it('passes publint --strict', async () => {
    const lint = await run(PUBLINT, ['run', tarball, '--strict'], work)
    expect(lint.stdout + lint.stderr).toMatch(/All good/)
    expect(lint.code).toBe(0)
  }, 60_000)

  it('has types that resolve for every entry point (attw, ESM-only profile)', async () => {
    // ESM-only by design: the profile skips node10 and CJS `require` type resolution.
    const check = await run(
      ATTW,
      [tarball, '--profile', 'esm-only', '--format', 'table-flipped'],
      work,
    )
    expect(ENTRIES.length).toBeGreaterThan(6)
    for (const entry of ENTRIES) expect(check.stdout).toContain(`"${entry}"`)
    expect(check.code).toBe(0) // attw exits 1 on any problem the profile does not ignore
  }, 60_000)

  it('works in an ESM project: every entry point, and require(esm)', async () => {
    const dir = await project(work, 'esm', tarball, [
      'express',
      'koa',
      '@koa/bodyparser',
      'fastify',
    ])
    // Each entry of package.json "exports", imported by name: one added later is checked too.
    const imported = await run(process.execPath, ['imports.mjs', ...ENTRIES], dir)
    expect(imported.stderr).toBe('')
    const counts = JSON.parse(imported.stdout) as Record<string, number>
    expect(Object.keys(counts)).toEqual(ENTRIES)
    for (const entry of ENTRIES) expect(counts[entry], entry).toBeGreaterThan(0)
    const smoke = await run(process.execPath, ['smoke.mjs'], dir)
    expect(smoke.stderr).toBe('')
    expect(smoke.code).toBe(0)
    const result = JSON.parse(smoke.stdout)
    expect(result.version).toMatch(/^\d+\.\d+\.\d+/)
    expect(result.errorClass).toBe('function')
    for (const name of ['express', 'koa', 'fastify']) {
      expectRequestThrough(result[name])
      expect(result[name].storedSsn).toMatch(/^enc:v1:/)
      expect(result[name].storedCard).toMatch(/^enc:v1:/)
      expect(result[name].plaintextSsn).toBe('078-05-1120')
      expect(result[name].decrypted).toBe('078-05-1120')
    }
    expect(result.deepImport).toBe('ERR_PACKAGE_PATH_NOT_EXPORTED')
    expect(result.entries).toEqual({
      keyring: 1,
      http: '078-05-1120',
      reference: '************1111',
    })

    // The `fieldseal` command of package.json "bin", as npm links it.
    const keygen = await run(join(dir, 'node_modules', '.bin', 'fieldseal'), ['keygen'], dir)
    expect(keygen.code, keygen.stderr).toBe(0)
    expect(Buffer.from(keygen.stdout.trim(), 'base64')).toHaveLength(32)

    const required = await run(process.execPath, ['require.cjs'], dir)
    expect(required.code, required.stderr).toBe(0)
    expect(JSON.parse(required.stdout)).toEqual({
      sealed: true,
      express: 'function',
      koa: 'function',
      fastify: 'function',
      keyring: 'function',
      migrate: 'function',
      http: 'function',
      reference: 'function',
    })
  }, 60_000)

  it('type-checks and runs in a TypeScript project (module NodeNext)', async () => {
    const types = [
      '@types/node',
      '@types/express',
      '@types/express-serve-static-core',
      '@types/koa',
    ]
    const dir = await project(work, 'ts', tarball, ['express', 'koa', 'fastify', ...types])
    // Every entry's types, by name, in the project tsc checks: one added later is checked too.
    const imports = ENTRIES.map((entry, i) => `import * as entry${i} from '${entry}'`)
    const uses = ENTRIES.map((_, i) => `entry${i}`).join(', ')
    writeFileSync(
      join(dir, 'entries.ts'),
      `${imports.join('\n')}\nexport const entries: object[] = [${uses}]\n`,
    )
    const check = await run(TSC, ['-p', 'tsconfig.json'], dir)
    expect(check.stdout + check.stderr).toBe('')
    expect(check.code).toBe(0)
    // Our declaration files also check with skipLibCheck off. (Some third-party ones do not —
    // @types/koa against content-disposition's own types — so only errors in ours count.)
    const strict = await run(
      TSC,
      ['-p', 'tsconfig.json', '--noEmit', '--skipLibCheck', 'false'],
      dir,
    )
    const ours = (strict.stdout + strict.stderr)
      .split('\n')
      .filter((line) => /fieldseal\/|smoke\.ts/.test(line))
    expect(ours).toEqual([])
    const smoke = await run(process.execPath, ['out/smoke.js'], dir)
    expect(smoke.stderr).toBe('')
    expect(smoke.code).toBe(0)
    const result = JSON.parse(smoke.stdout)
    expect(result.refused).toBe('ERR_FIELDSEAL_MALFORMED')
    for (const name of ['express', 'koa', 'fastify']) {
      expectRequestThrough(result[name])
      expect(result[name].plaintext).toBe('078-05-1120')
    }
    expect(result.entries).toEqual({
      keyring: 1,
      http: '078-05-1120',
      reference: '************1111',
      rules: 'ssn',
      problem: null,
    })
  }, 60_000)
})
