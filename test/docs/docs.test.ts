/**
 * The documentation keeps its promises: every error code has its heading in docs/errors.md with
 * what triggers it, the fix, its status and its version; the format page shows a published
 * vector; the README gives the two commands and maps every page; every relative link and anchor
 * resolves.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { dirname, join, normalize } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { FIELDSEAL_ERROR_CODES, httpStatusFor } from '../../src/errors.js'
import { markdownBlocks } from './code-blocks.js'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))
const read = (file: string) => readFileSync(join(ROOT, file), 'utf8')
const PAGES = readdirSync(join(ROOT, 'docs'))
  .filter((file) => file.endsWith('.md'))
  .map((file) => `docs/${file}`)
const DOCUMENTS = ['README.md', 'CONTRIBUTING.md', ...PAGES]

/** The sections of a page under its `## ` headings, heading → text (code blocks included). */
function sections(text: string): Map<string, string> {
  const found = new Map<string, string>()
  const parts = text.split(/^## /m).slice(1)
  for (const part of parts) {
    const newline = part.indexOf('\n')
    found.set(part.slice(0, newline).trim(), part.slice(newline + 1))
  }
  return found
}

describe('docs/errors.md', () => {
  const codes = sections(read('docs/errors.md'))
  const versions = [...read('CHANGELOG.md').matchAll(/^## (\S+)/gm)].map((match) => match[1])

  it.each([...FIELDSEAL_ERROR_CODES])('%s: what triggers it, the fix, status, version', (code) => {
    const body = codes.get(code)?.replace(/\s+/g, ' ').trim()
    expect(body, `no "## ${code}" heading`).toBeDefined()
    const [trigger = '', fix = ''] = (body ?? '').split(/\bFix: /)
    expect(trigger.length, 'what triggers it, before "Fix:"').toBeGreaterThan(30)
    expect(fix.length, 'the fix, after "Fix:"').toBeGreaterThan(20)
    expect(body).toMatch(new RegExp(`\\bStatus ${httpStatusFor(code)}\\b`))
    const since = /\bSince (Unreleased|\d+\.\d+\.\d+)\b/.exec(body ?? '')?.[1]
    expect(versions, `"Since <version>" naming a CHANGELOG heading`).toContain(since)
  })

  it('has no heading for a code that does not exist', () => {
    const headed = [...codes.keys()].filter((heading) => heading.startsWith('ERR_'))
    expect(headed.filter((code) => !FIELDSEAL_ERROR_CODES.includes(code as never))).toEqual([])
  })
})

describe('docs/value-format.md', () => {
  it('shows, as its example, the first published vector with its key', () => {
    const vectors = JSON.parse(read('docs/vectors/value-format-v1.json'))
    const page = read('docs/value-format.md')
    expect(page).toContain(`\`${vectors.valid[0].encrypted}\``)
    expect(page).toContain(`\`${vectors.keys[0].key}\``)
    expect(page).toContain('](vectors/value-format-v1.json)')
  })
})

describe('README.md', () => {
  const readme = read('README.md')

  it('gives the two commands', () => {
    const shell = markdownBlocks('README.md', readme).filter((block) => block.lang === 'sh')
    const lines = shell.flatMap((block) => block.code.split('\n').map((line) => line.trim()))
    expect(lines).toContain('npm ci && npm start')
    expect(lines).toContain('npm test')
  })

  it('is the front door: short, and a map to every page of docs/', () => {
    expect(readme.split('\n').length).toBeLessThanOrEqual(300)
    const linked = PAGES.filter((page) => readme.includes(`](${page})`))
    expect(linked).toEqual(PAGES)
  })
})

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces as hyphens. */
function slug(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
    .replace(/ /g, '-')
}

/** The anchors of a Markdown file's headings (outside code blocks), with GitHub's `-1` suffixes. */
function anchors(text: string): Set<string> {
  const seen = new Map<string, number>()
  const found = new Set<string>()
  let fenced = false
  for (const line of text.split('\n')) {
    if (/^\s*(```|~~~)/.test(line)) fenced = !fenced
    const heading = fenced ? undefined : /^#{1,6} (.*)$/.exec(line)?.[1]
    if (heading === undefined) continue
    const base = slug(heading)
    const count = seen.get(base) ?? 0
    seen.set(base, count + 1)
    found.add(count === 0 ? base : `${base}-${count}`)
  }
  return found
}

describe('links', () => {
  it.each(DOCUMENTS)('%s: every relative link and anchor resolves', (file) => {
    const text = read(file).replace(/^```[\s\S]*?^```/gm, '')
    const broken: string[] = []
    for (const [, target = ''] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
      if (/^[a-z]+:/.test(target)) continue
      const [path = '', anchor] = target.split('#')
      const resolved = path === '' ? file : normalize(join(dirname(file), path))
      if (!existsSync(join(ROOT, resolved))) {
        broken.push(target)
        continue
      }
      if (anchor !== undefined && !anchors(read(resolved)).has(anchor)) broken.push(target)
    }
    expect(broken).toEqual([])
  })
})
