import { describe, expect, it } from 'vitest'
import { compilePaths, transition, type PathState } from '../../../src/paths/states.js'
import { KEEP, walkPaths } from '../../../src/paths/walk.js'

const limits = { maxDepth: 64 }

function visits(paths: Array<[string, string]>, doc: unknown): string[] {
  const seen: string[] = []
  walkPaths(
    doc,
    compilePaths(paths),
    (_value, match) => {
      seen.push(`${match.path()}=${match.data}`)
      return KEEP
    },
    limits,
  )
  return seen
}

describe('compiled path states', () => {
  it('starts in a state that looks up literal keys instead of scanning', () => {
    const compiled = compilePaths([
      ['a.b', 1],
      ['["c"]', 2],
    ])
    const start = compiled.start as PathState<number>
    expect(start.lookup).toEqual(['a', 'c'])
    expect(start.lookupNext.map((state) => state?.terminal?.data)).toEqual([undefined, 2])
    expect(compilePaths([['*.b', 1]]).start?.lookup).toBeUndefined()
    // A bare name is that field at any depth: every key must be looked at.
    expect(compilePaths([['c', 1]]).start?.lookup).toBeUndefined()
  })

  it('matches nothing with an empty path set', () => {
    const compiled = compilePaths<number>([])
    const doc = { a: 1 }
    expect(compiled.start?.hasKeys).toBe(false)
    expect(walkPaths(doc, compiled, () => 'x', limits)).toBe(doc)
  })

  it('caches transitions and interns equal node sets', () => {
    const compiled = compilePaths([['**.ssn', 1]])
    const start = compiled.start as PathState<number>
    const a = transition(compiled, start, 'anything')
    expect(transition(compiled, start, 'other')).toBe(a)
    expect(transition(compiled, start, 7)).toBe(a)
    // "**" loops: going one level further reaches the same state again.
    expect(transition(compiled, a as PathState<number>, 'x')).toBe(a)
    expect(transition(compiled, start, 'ssn')?.terminal?.data).toBe(1)
  })

  it('does not grow with keys that no path names', () => {
    const compiled = compilePaths([
      ['**.ssn', 1],
      ['items[*].card', 2],
    ])
    const doc: Record<string, unknown> = {}
    for (let i = 0; i < 5000; i++) doc[`key${i}`] = { [`inner${i}`]: [{ ssn: 'x' }] }
    walkPaths(doc, compiled, () => KEEP, limits)
    const before = compiled.states.size
    walkPaths(doc, compiled, () => KEEP, limits)
    expect(compiled.states.size).toBe(before)
    expect(before).toBeLessThan(10)
    for (const state of compiled.states.values()) expect(state.next.size).toBeLessThanOrEqual(2)
  })

  it('returns null where nothing can match any more', () => {
    const compiled = compilePaths([['a.b', 1]])
    expect(transition(compiled, compiled.start as PathState<number>, 'z')).toBeNull()
  })
})

describe('walking with compiled states', () => {
  // The walker before compiled states visited a.b.x four times here.
  it('visits a value reached by two paths once, with the data of the first listed', () => {
    const doc = { a: { b: { x: 1 } }, q: { b: { x: 2 } } }
    expect(
      visits(
        [
          ['*.b.x', 'wild'],
          ['a.b.x', 'literal'],
        ],
        doc,
      ),
    ).toEqual(['a.b.x=wild', 'q.b.x=wild'])
    expect(
      visits(
        [
          ['a.b.x', 'literal'],
          ['*.b.x', 'wild'],
        ],
        doc,
      ),
    ).toEqual(['a.b.x=literal', 'q.b.x=wild'])
  })

  it('mixes literal indexes with wildcards', () => {
    const doc = {
      items: [
        { x: 1, y: 1 },
        { x: 2, y: 2 },
      ],
    }
    expect(
      visits(
        [
          ['items[1].x', 'one'],
          ['items[*].y', 'all'],
        ],
        doc,
      ),
    ).toEqual(['items[0].y=all', 'items[1].x=one', 'items[1].y=all'])
  })

  it('does not treat numeric object keys as array indexes', () => {
    expect(visits([['a[0]', 'index']], { a: { '0': 'x' } })).toEqual([])
    expect(visits([['a["0"]', 'key']], { a: { '0': 'x' } })).toEqual(['a["0"]=key'])
    expect(visits([['a["0"]', 'key']], { a: ['x'] })).toEqual([])
  })

  it('reaches any depth under "**" and stops at the depth limit', () => {
    let doc: unknown = { ssn: 'x' }
    for (let i = 0; i < 20; i++) doc = { [`k${i % 3}`]: [doc] }
    const compiled = compilePaths([['**.ssn', 'deep']])
    const seen: string[] = []
    walkPaths(
      doc,
      compiled,
      (_v, match) => {
        seen.push(match.name)
        return KEEP
      },
      limits,
    )
    expect(seen).toEqual(['ssn'])
    expect(() => walkPaths(doc, compiled, () => KEEP, { maxDepth: 10 })).toThrowError(
      expect.objectContaining({ code: 'ERR_FIELDSEAL_TOO_DEEP' }),
    )
  })
})
