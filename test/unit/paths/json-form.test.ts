import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { jsonForm, jsonRoot, needsJsonForm, Opaque } from '../../../src/paths/json-form.js'
import { createMasker } from '../../../src/mask/masker.js'
import { compilePaths, DESCEND, KEEP, walkPaths } from '../../../src/paths/walk.js'

class Box {
  constructor(
    readonly inner: unknown,
    readonly label = 'box',
  ) {}
}

/** Documents mixing plain data with everything JSON.stringify treats specially. */
const exotic = fc.letrec((tie) => ({
  leaf: fc.oneof(
    fc.string({ maxLength: 8 }),
    fc.constantFrom('4111111111111111', '123-45-6789', 'enc:v1:kid:abc'),
    fc.integer(),
    fc.boolean(),
    fc.constant(null),
    fc.constant(undefined),
    fc.integer({ min: 0, max: 2 ** 40 }).map((ms) => new Date(ms)),
    fc.constant(new Map([['ssn', '123-45-6789']])),
    fc.constant(new Set(['4111111111111111'])),
    fc.string({ maxLength: 8 }).map((text) => new String(text)),
    fc.integer().map((n) => new Number(n)),
    fc.constant(() => 'a function is dropped'),
    fc.constant(Symbol('dropped')),
  ),
  node: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    tie('leaf'),
    fc.array(tie('node'), { maxLength: 4 }),
    fc.dictionary(fc.constantFrom('ssn', 'card', 'name', 'toJSON', 'a'), tie('node'), {
      maxKeys: 4,
    }),
    fc
      .dictionary(fc.constantFrom('ssn', 'card', 'b'), tie('node'), { maxKeys: 3 })
      .map((entries) => Object.assign(Object.create(null), entries)),
    tie('node').map((inner) => new Box(inner)),
    tie('node').map((inner) => ({ toJSON: () => inner })),
    // toJSON returning an object with its own toJSON: JSON.stringify does not call the second.
    tie('node').map((inner) => ({
      toJSON: () => ({ ssn: inner, toJSON: () => 'never called' }),
    })),
    fc.string({ maxLength: 6 }).map((text) => Buffer.from(text)),
  ),
})).node

const upperEverything = compilePaths([['**.*', null]])
const walkJson = (doc: unknown) =>
  walkPaths(
    jsonRoot(doc),
    upperEverything,
    (value) => {
      if (typeof value === 'string') return `<${value.toUpperCase()}>`
      return typeof value === 'object' && value !== null ? DESCEND : KEEP
    },
    { maxDepth: 64, json: true },
  )

describe('jsonForm', () => {
  it('gives what JSON.stringify serialises in place of a value', () => {
    expect(jsonForm(new Date(0), 'k')).toBe('1970-01-01T00:00:00.000Z')
    expect(jsonForm(new String('s'), 'k')).toBe('s')
    expect(jsonForm(new Number(2), 'k')).toBe(2)
    expect(jsonForm(new Boolean(false), 'k')).toBe(false)
    expect(jsonForm(() => 1, 'k')).toBeUndefined()
    expect(jsonForm(Symbol('s'), 'k')).toBeUndefined()
    expect(jsonForm(Buffer.from('a'), 'k')).toEqual({ type: 'Buffer', data: [97] })
    const map = new Map([['a', 1]])
    expect(jsonForm(map, 'k')).toBe(map) // its own enumerable keys: none, so {}
    expect(jsonForm('text', 'k')).toBe('text')
  })

  it('calls toJSON once with the key, not again on what it returns', () => {
    const keys: string[] = []
    const inner = { toJSON: () => 'second' }
    const outer = {
      toJSON(key: string) {
        keys.push(key)
        return inner
      },
    }
    expect(jsonForm(outer, 'field')).toBe(inner)
    expect(keys).toEqual(['field'])
  })

  it('honours BigInt.prototype.toJSON when an application defines it', () => {
    const proto = BigInt.prototype as { toJSON?: () => string }
    proto.toJSON = function (this: bigint) {
      return `${this}n`
    }
    try {
      expect(jsonForm(10n, 'k')).toBe('10n')
    } finally {
      delete proto.toJSON
    }
  })

  it('tells plain data (the fast path) from what needs its JSON form', () => {
    for (const value of ['s', 1, true, null, undefined, {}, [], Object.create(null)]) {
      expect(needsJsonForm(value)).toBe(false)
    }
    expect(needsJsonForm(new (class extends Opaque {})())).toBe(false)
    for (const value of [new Box(1), new Date(), { toJSON: () => 1 }, () => 1, Symbol(), 1n]) {
      expect(needsJsonForm(value)).toBe(true)
    }
    const list = Object.assign([1], { toJSON: () => 'x' })
    expect(needsJsonForm(list)).toBe(true)
  })
})

describe('jsonRoot', () => {
  it('copies a top-level object that is not plain data into a plain one, without toJSON', () => {
    const root = jsonRoot({ toJSON: () => ({ a: 1, toJSON: () => 'never' }) })
    expect(root).toEqual({ a: 1 })
    expect(JSON.stringify(root)).toBe('{"a":1}')
    expect(jsonRoot(new Box(1))).toEqual({ inner: 1, label: 'box' })
    const plain = { a: 1 }
    expect(jsonRoot(plain)).toBe(plain)
  })
})

describe('walkPaths [json: true]', () => {
  it('walks exactly what JSON.stringify sends, at every depth (property)', () => {
    fc.assert(
      fc.property(exotic, (doc) => {
        const expected = JSON.stringify(walkJson(JSON.parse(JSON.stringify(doc) ?? 'null')))
        expect(JSON.stringify(walkJson(doc)) ?? 'null').toBe(expected)
      }),
      { numRuns: 400 },
    )
  })

  it('never mutates the input and never calls a toJSON more often than JSON.stringify', () => {
    let calls = 0
    const entity = {
      toJSON() {
        calls++
        return { ssn: '123-45-6789', nested: new Box('4111111111111111') }
      },
    }
    const doc = { list: [entity, entity], data: new Box(entity) }
    const before = JSON.stringify(doc)
    calls = 0
    const walked = walkJson(doc)
    expect(calls).toBe(3)
    calls = 0
    expect(JSON.stringify(walked)).toBe(JSON.stringify(walkJson(JSON.parse(before))))
    expect(calls).toBe(0) // the walked copy is plain data: nothing left to call
    expect(JSON.stringify(doc)).toBe(before)
  })

  it('leaves Opaque markers as leaves', () => {
    class Marker extends Opaque {
      readonly secret = 'inside'
    }
    const marker = new Marker()
    const out = walkJson({ a: marker }) as { a: unknown }
    expect(out.a).toBe(marker)
  })

  it('reads own enumerable keys only, as JSON.stringify does', () => {
    const entity = new Box('x')
    Object.defineProperty(entity, 'ssn', { value: '123-45-6789', enumerable: false })
    const compiled = compilePaths([['ssn', null]])
    const seen: unknown[] = []
    walkPaths(entity, compiled, (value) => seen.push(value), { maxDepth: 8, json: true })
    expect(seen).toEqual([])
  })
})

describe('createMasker on objects that are not plain data', () => {
  it('masks class instances, toJSON results and null-prototype objects at any depth', () => {
    const mask = createMasker({ rules: { '**.card': 'card' }, paths: ['**.ssn'] })
    const doc = {
      rows: [new Box('x'), { toJSON: () => ({ card: '4111111111111111', ssn: '1' }) }],
      bare: Object.assign(Object.create(null), { card: '4242424242424242' }),
    }
    expect(JSON.parse(JSON.stringify(mask(doc)))).toEqual({
      rows: [
        { inner: 'x', label: 'box' },
        { card: '************1111', ssn: '[REDACTED]' },
      ],
      bare: { card: '************4242' },
    })
  })

  it('masks a top-level class instance and a top-level string [detect: true]', () => {
    const mask = createMasker({ detect: true })
    expect(mask(new Box('4111111111111111'))).toEqual({ inner: '************1111', label: 'box' })
    expect(mask({ toJSON: () => '4111111111111111' })).toBe('************1111')
  })
})
