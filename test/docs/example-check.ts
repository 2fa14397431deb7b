/**
 * Type-checks code examples against what users get: the package's declarations built into a
 * temporary project's `node_modules/fieldseal` (with this package.json, so `fieldseal/express`
 * and the other subpaths resolve through "exports" as they do for users), one `tsc` run over
 * every example. The project lives under this repository's node_modules/.cache, so the framework
 * and type packages resolve from here; the shared prelude (test/docs/prelude/globals.d.ts)
 * declares what examples leave out.
 *
 * @module
 */
import { execFile } from 'node:child_process'
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import type { CodeBlock } from './code-blocks.js'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))
const TSC = join(ROOT, 'node_modules', '.bin', 'tsc')
const PRELUDE = fileURLToPath(new URL('./prelude/globals.d.ts', import.meta.url))
const exec = promisify(execFile)

/** An example to check. */
export interface Example {
  readonly block: CodeBlock
  /**
   * The source module (`src/core/fieldseal.ts`) a TSDoc example documents. A TSDoc example may
   * leave out its imports: the names it uses without importing or declaring them are imported
   * from that module's built declarations, else from the package's entry points (`fieldseal`,
   * then `fieldseal/keyring`, `/migrate`, `/http`, `/reference`).
   */
  readonly module?: string
  /**
   * A fragment of internal code: names it leaves undeclared are tolerated (it still has to
   * parse, its imports must resolve, and what it calls on names that resolve must type-check).
   */
  readonly fragment?: boolean
}

/** One compiler error, placed in the documentation file it comes from. */
export interface ExampleError {
  readonly file: string
  readonly line: number
  readonly message: string
}

/** The temporary project; `close()` removes it. */
export interface ExampleProject {
  check(examples: readonly Example[]): Promise<ExampleError[]>
  close(): void
}

/**
 * Builds the package's declarations into a new temporary project (one `tsc` run of
 * tsconfig.build.json).
 */
export async function createExampleProject(): Promise<ExampleProject> {
  const cache = join(ROOT, 'node_modules', '.cache')
  mkdirSync(cache, { recursive: true })
  const dir = mkdtempSync(join(cache, 'fieldseal-docs-'))
  const pkg = join(dir, 'node_modules', 'fieldseal')
  mkdirSync(pkg, { recursive: true })
  copyFileSync(join(ROOT, 'package.json'), join(pkg, 'package.json'))
  await exec(
    TSC,
    ['-p', 'tsconfig.build.json', '--outDir', join(pkg, 'dist'), '--emitDeclarationOnly'],
    { cwd: ROOT },
  )
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'examples', type: 'module' }))
  copyFileSync(PRELUDE, join(dir, 'prelude.d.ts'))
  writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify(TSCONFIG, null, 2))
  return {
    check: (examples) => check(dir, pkg, examples),
    close: () => rmSync(dir, { recursive: true, force: true }),
  }
}

// What a careful user compiles with: strict, NodeNext. Unused names are allowed (an example
// often declares a value only to show it).
const TSCONFIG = {
  compilerOptions: {
    target: 'ES2022',
    lib: ['ES2023'],
    module: 'NodeNext',
    moduleResolution: 'NodeNext',
    strict: true,
    noImplicitReturns: true,
    noImplicitOverride: true,
    skipLibCheck: true,
    types: ['node'],
    noEmit: true,
  },
  include: ['prelude.d.ts', 'examples'],
}

async function check(dir: string, pkg: string, examples: readonly Example[]) {
  const folder = join(dir, 'examples')
  rmSync(folder, { recursive: true, force: true })
  mkdirSync(folder)
  const byName = new Map<string, Example>()
  examples.forEach((example, n) => {
    const name = `${String(n).padStart(4, '0')}.ts`
    byName.set(name, example)
    const imports = example.module ? implicitImports(example, folder, pkg) : ''
    // Injected lines go last (imports are hoisted), so line n of the file is line n of the block.
    writeFileSync(join(folder, name), `${example.block.code}${imports}\nexport {}\n`)
  })
  const output = await exec(TSC, ['-p', 'tsconfig.json', '--pretty', 'false'], { cwd: dir }).then(
    () => '',
    (error: { stdout?: string; message?: string }) => error.stdout || `${error.message}`,
  )
  return parseErrors(output, byName)
}

// What a fragment may leave out: a name it does not declare (TS2304, TS2552, TS18004 for a
// shorthand property), and the implicit `any` of a callback parameter whose context is one.
const UNDECLARED = new Set(['TS2304', 'TS2552', 'TS18004', 'TS7006', 'TS7031'])

function parseErrors(output: string, byName: ReadonlyMap<string, Example>): ExampleError[] {
  const errors: Array<ExampleError | undefined> = []
  for (const line of output.split('\n').filter(Boolean)) {
    // tsc continues a message on indented lines ("  Type 'x' is not assignable to…").
    if (/^\s/.test(line) && errors.length > 0) {
      const last = errors.at(-1)
      if (last) errors[errors.length - 1] = { ...last, message: `${last.message} ${line.trim()}` }
      continue
    }
    const at = /^examples\/(\d+\.ts)\((\d+),\d+\): error (TS\d+): (.*)$/.exec(line)
    const example = at?.[1] ? byName.get(at[1]) : undefined
    if (!at || !example) {
      errors.push({ file: '(project)', line: 0, message: line })
      continue
    }
    const [, , row = '', code = '', message = ''] = at
    const { file, line: start } = example.block
    // A tolerated error is kept as a hole, so that its continuation lines are dropped with it.
    const tolerated = example.fragment === true && UNDECLARED.has(code)
    errors.push(
      tolerated ? undefined : { file, line: start + Number(row), message: `${code}: ${message}` },
    )
  }
  return errors.filter((error) => error !== undefined)
}

// Where a TSDoc example's fieldseal names come from when it does not import them, in order.
const ENTRY_POINTS = [
  ['fieldseal', 'src/index.ts'],
  ['fieldseal/keyring', 'src/keyring/index.ts'],
  ['fieldseal/migrate', 'src/migrate/index.ts'],
  ['fieldseal/http', 'src/http/index.ts'],
  ['fieldseal/reference', 'src/reference/index.ts'],
] as const

/** The imports a TSDoc example leaves out: its module's names, then the entry points'. */
function implicitImports(example: Example, folder: string, pkg: string): string {
  const code = example.block.code
  const used = (name: string) =>
    // Not a property (`a.name`), but a spread (`...name`) is a use.
    new RegExp(`(?<![\\w$'"#])(?<!(?<!\\.)\\.)${escapeRegExp(name)}(?![\\w$'"])`).test(code) &&
    !new RegExp(
      `\\b(import\\b[^\\n]*|const|let|var|function|class|interface|type)\\s+${escapeRegExp(name)}\\b`,
    ).test(code)
  const module = example.module ?? ''
  const sources: Array<readonly [string, string]> = [
    [specifierOf(folder, join(pkg, 'dist', module)), module],
    ...ENTRY_POINTS,
  ]
  const taken = new Set<string>()
  const lines: string[] = []
  for (const [specifier, file] of sources) {
    const declarations = join(pkg, 'dist', file.replace(/\.ts$/, '.d.ts'))
    const names = exportedNames(declarations).filter((name) => !taken.has(name) && used(name))
    for (const name of names) taken.add(name)
    if (names.length > 0) lines.push(`\nimport { ${names.join(', ')} } from '${specifier}'`)
  }
  return lines.join('')
}

function specifierOf(folder: string, source: string): string {
  const path = relative(folder, source).replace(/\.ts$/, '.js')
  return path.startsWith('.') ? path : `./${path}`
}

function escapeRegExp(name: string): string {
  return name.replace(/\$/g, '\\$')
}

/**
 * The names a declaration file exports: its declarations, its `export { … }` lists and, through
 * `export * from`, those of the files it re-exports.
 */
function exportedNames(file: string): string[] {
  const declarations = readFileSync(file, 'utf8')
  const names = new Set<string>()
  const declared =
    /^export (?:declare )?(?:abstract )?(?:function|const|let|class|interface|type|enum|namespace) ([\w$]+)/gm
  for (const match of declarations.matchAll(declared)) names.add(match[1] ?? '')
  for (const list of declarations.matchAll(/^export (?:type )?\{([^}]*)\}/gm)) {
    for (const item of list[1]?.split(',') ?? []) {
      const name = item
        .trim()
        .replace(/^type\s+/, '')
        .split(/\s+as\s+/)
        .pop()
      if (name) names.add(name)
    }
  }
  for (const [, from = ''] of declarations.matchAll(/^export \* from '([^']+)'/gm)) {
    for (const name of exportedNames(join(dirname(file), from.replace(/\.js$/, '.d.ts')))) {
      names.add(name)
    }
  }
  names.delete('')
  return [...names]
}
