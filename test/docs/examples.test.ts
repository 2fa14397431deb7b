/**
 * Every TypeScript example compiles against what users install: the fenced `ts` blocks of
 * README.md, CONTRIBUTING.md and docs/, and the TSDoc `@example` blocks of src/ and adapters/,
 * in one `tsc` run over the built package's declarations (test/docs/example-check.ts). Examples
 * of public declarations are checked as strictly as the docs; those of internal code are
 * fragments (names they leave undeclared are tolerated, nothing else is).
 */
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type CodeBlock, isCheckedTs, isTs, markdownBlocks, tsdocBlocks } from './code-blocks.js'
import { createExampleProject, type Example, type ExampleProject } from './example-check.js'
import { publicDeclarations } from './public-api.js'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))
const read = (file: string) => readFileSync(join(ROOT, file), 'utf8')
const list = (folder: string, extension: string) =>
  readdirSync(join(ROOT, folder), { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith(extension))
    .map((file) => `${folder}/${file.replace(/\\/g, '/')}`)
    .sort()

const markdown = ['README.md', 'CONTRIBUTING.md', ...list('docs', '.md')].flatMap((file) =>
  markdownBlocks(file, read(file)),
)
const sources = [...list('src', '.ts'), ...list('adapters', '.ts')]
const tsdoc = sources.flatMap((file) => tsdocBlocks(file, read(file)))
const reachable = publicDeclarations(ROOT)
const isPublic = (block: CodeBlock) =>
  reachable.has(`${block.file}#${block.declaration?.split('.')[0] ?? ''}`)

const examples: Example[] = [
  ...markdown.filter(isCheckedTs).map((block) => ({ block })),
  ...tsdoc
    .filter(isCheckedTs)
    .map((block) => ({ block, module: block.file, fragment: !isPublic(block) })),
]

// Wrong on purpose, checked in the same run: a misspelt option in a docs example, and a wrong
// argument in a fragment of internal code. Each must be reported, or the check proves nothing.
const canaries: Example[] = [
  {
    block: canary(
      'canary.md',
      "import { createFieldseal } from 'fieldseal'\ncreateFieldseal({ feilds: ['ssn'] })\n",
    ),
  },
  {
    block: canary('canary-fragment', 'optionNames(42)\nundeclaredName.anything()\n'),
    module: 'src/util/option-checks.ts',
    fragment: true,
  },
]

function canary(file: string, code: string): CodeBlock {
  return { file, line: 0, lang: 'ts', meta: '', code }
}

describe('TypeScript examples', () => {
  let project: ExampleProject | undefined

  beforeAll(async () => {
    project = await createExampleProject()
  }, 120_000)
  afterAll(() => project?.close())

  it('finds the examples of every kind', () => {
    expect(examples.filter((example) => !example.module).length).toBeGreaterThan(15)
    expect(
      examples.filter((example) => example.module && !example.fragment).length,
    ).toBeGreaterThan(60)
    expect(examples.filter((example) => example.fragment).length).toBeGreaterThan(100)
  })

  it('compile against the built package (one tsc run)', async () => {
    const errors = await (project as ExampleProject).check([...examples, ...canaries])
    const report = errors.map((error) => `${error.file}:${error.line}: ${error.message}`)
    const [docsCanary, fragmentCanary] = [
      report.filter((line) => line.startsWith('canary.md:')),
      report.filter((line) => line.startsWith('canary-fragment:')),
    ]
    expect(docsCanary.join('\n')).toMatch(/feilds/)
    expect(fragmentCanary.join('\n')).toMatch(/TS2345/)
    expect(fragmentCanary.join('\n')).not.toMatch(/undeclaredName/)
    const real = report.filter(
      (line) => !docsCanary.includes(line) && !fragmentCanary.includes(line),
    )
    expect(real).toEqual([])
  }, 120_000)

  it('leaves few blocks unchecked, each with its reason', () => {
    const unchecked = [...markdown, ...tsdoc].filter((block) => isTs(block) && !isCheckedTs(block))
    for (const block of unchecked) {
      expect(block.meta, `${block.file}:${block.line}`).toMatch(/^nocheck \S.{10,}/)
    }
    expect(unchecked.length).toBeLessThanOrEqual(5)
  })
})
