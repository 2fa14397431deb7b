import { describe, expect, it } from 'vitest'
import { compilePaths, DESCEND, KEEP, REMOVE, Subtree, walkPaths } from '../../../src/paths/walk.js'

const limits = { maxDepth: 32 }
const upper = (paths: string[], doc: unknown) =>
  walkPaths(
    doc,
    compilePaths(paths.map((p) => [p, p] as const)),
    (v) => (typeof v === 'string' ? v.toUpperCase() : KEEP),
    limits,
  )

describe('walkPaths', () => {
  it('matches keys, indexes, wildcards and any depth', () => {
    const doc = {
      a: { b: 'x', c: 'y' },
      items: [{ card: 'p' }, { card: 'q' }],
      deep: [{ x: { ssn: 's' } }],
      ssn: 't',
    }
    expect(upper(['a.b'], doc)).toEqual({ ...doc, a: { b: 'X', c: 'y' } })
    expect(upper(['items[1].card'], doc)).toMatchObject({ items: [{ card: 'p' }, { card: 'Q' }] })
    expect(upper(['items[*].card'], doc)).toMatchObject({ items: [{ card: 'P' }, { card: 'Q' }] })
    expect(upper(['a.*'], doc)).toMatchObject({ a: { b: 'X', c: 'Y' } })
    expect(upper(['**.ssn'], doc)).toMatchObject({ ssn: 'T', deep: [{ x: { ssn: 'S' } }] })
  })

  it('returns the input itself when nothing matched, and copies only changed branches', () => {
    const doc = { a: { b: 1 }, c: { d: 'x' } }
    expect(upper(['nope'], doc)).toBe(doc)
    const out = upper(['c.d'], doc) as typeof doc
    expect(out.a).toBe(doc.a)
    expect(out.c).not.toBe(doc.c)
    expect(doc.c.d).toBe('x')
  })

  it('gives the visitor the data of the first listed path, the field name and a printable path', () => {
    const seen: unknown[] = []
    const compiled = compilePaths([
      ['items[*].card', 'first'],
      ['**.card', 'second'],
    ])
    walkPaths(
      { items: [{ card: 1 }], x: { card: 2 } },
      compiled,
      (value, match) => {
        seen.push([value, match.data, match.name, match.step, match.path()])
        return KEEP
      },
      limits,
    )
    expect(seen).toEqual([
      [1, 'first', 'card', 'card', 'items[0].card'],
      [2, 'second', 'card', 'card', 'x.card'],
    ])
  })

  it('names array elements after the nearest object key', () => {
    const names: string[] = []
    walkPaths(
      { tags: ['a', 'b'] },
      compilePaths([['tags[*]', null]]),
      (_v, match) => {
        names.push(`${match.name}@${match.path()}`)
        return KEEP
      },
      limits,
    )
    expect(names).toEqual(['tags@tags[0]', 'tags@tags[1]'])
  })

  it('descends on request and removes on request', () => {
    const compiled = compilePaths([['**.*', null]])
    const out = walkPaths(
      { a: { secret: 1, keep: 2 }, list: [{ secret: 3 }] },
      compiled,
      (value, match) => {
        if (match.step === 'secret') return REMOVE
        return typeof value === 'object' ? DESCEND : KEEP
      },
      limits,
    )
    expect(out).toEqual({ a: { keep: 2 }, list: [{}] })
    const arrays = walkPaths([1, 2, 3], compilePaths([['[1]', null]]), () => REMOVE, limits)
    expect(arrays).toEqual([1, 3])
  })

  it('treats class instances, dates and buffers as leaves', () => {
    class Model {
      ssn = 'x'
    }
    const doc = { m: new Model(), d: new Date(0) }
    expect(upper(['**.ssn'], doc)).toBe(doc)
  })

  it('keeps own __proto__ keys as data and preserves null prototypes', () => {
    const doc = JSON.parse('{"__proto__":{"x":"a"}}')
    const out = upper(['*.x'], doc) as any
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype)
    expect(Object.hasOwn(out, '__proto__')).toBe(true)
    // biome-ignore lint/suspicious/noProto: the own property named __proto__ that the test planted
    expect(out.__proto__.x).toBe('A')
    const bare = Object.assign(Object.create(null), { a: 'x' })
    expect(Object.getPrototypeOf(upper(['a'], bare))).toBeNull()
  })

  it('does not read inherited properties through a literal key', () => {
    expect(upper(['toString'], {})).toEqual({})
  })

  it('throws ERR_FIELDSEAL_TOO_DEEP past the depth limit, naming the path', () => {
    let doc: any = { ssn: 'x' }
    for (let i = 0; i < 40; i++) doc = { n: doc }
    expect(() => walkPaths(doc, compilePaths([['**.ssn', null]]), () => KEEP, limits)).toThrow(
      expect.objectContaining({ code: 'ERR_FIELDSEAL_TOO_DEEP' }),
    )
    const cyclic: any = { a: {} }
    cyclic.a.self = cyclic
    expect(() => walkPaths(cyclic, compilePaths([['**.ssn', null]]), () => KEEP, limits)).toThrow(
      expect.objectContaining({ code: 'ERR_FIELDSEAL_TOO_DEEP' }),
    )
  })

  it('keeps the first entry of a duplicate path', () => {
    expect(
      compilePaths([
        ['a', 1],
        ['a', 2],
      ]).paths,
    ).toEqual(['a'])
  })
})

describe('walkPaths: Subtree', () => {
  it('walks a replacement value with the same paths, marks the matches below, and finishes it', () => {
    const compiled = compilePaths([
      ['a', 'a'],
      ['**.*', 'any'],
    ])
    const seen: Array<[unknown, string, boolean]> = []
    const out = walkPaths(
      { a: { x: 1, y: [2] }, b: 3 },
      compiled,
      (value, match) => {
        if (match.data === 'a' && !match.marked) {
          return new Subtree({ x: 10, y: [20] }, (walked) => ({ wrapped: walked }))
        }
        if (typeof value !== 'object') seen.push([value, match.path(), match.marked])
        return typeof value === 'object' ? DESCEND : KEEP
      },
      limits,
    )
    expect(out).toEqual({ a: { wrapped: { x: 10, y: [20] } }, b: 3 })
    expect(seen).toEqual([
      [10, 'a.x', true],
      [20, 'a.y[0]', true],
      [3, 'b', false],
    ])
  })
})
