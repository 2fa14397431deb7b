import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { FIELDSEAL_ERROR_CODES, httpStatusFor } from '../../src/errors.js'

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8')

describe('README', () => {
  it('documents every error code under its own heading, with its status', () => {
    for (const code of FIELDSEAL_ERROR_CODES) {
      const heading = readme.indexOf(`\n### ${code}\n`)
      expect(heading, code).toBeGreaterThan(-1)
      const body = readme.slice(heading, readme.indexOf('\n### ', heading + 1)).replace(/\s+/g, ' ')
      expect(body, code).toContain(`Status ${httpStatusFor(code)}`)
    }
  })

  it('shows, as the format example, the first published vector with its key', () => {
    const vectors = JSON.parse(
      readFileSync(new URL('../../docs/vectors/value-format-v1.json', import.meta.url), 'utf8'),
    )
    const section = readme.slice(
      readme.indexOf('## Value format v1'),
      readme.indexOf('## Error codes'),
    )
    expect(section).toContain(`\`${vectors.valid[0].encrypted}\``)
    expect(section).toContain(`\`${vectors.keys[0].key}\``)
    expect(section).toContain('docs/vectors/value-format-v1.json')
  })

  it('gives the two commands of the quick start', () => {
    expect(readme).toContain('npm ci && npm start')
    expect(readme).toContain('npm test')
  })
})
