import { randomBytes } from 'node:crypto'
import { Readable } from 'node:stream'
import { describe, expect, it } from 'vitest'
import { AesGcmCipher } from '../../../src/crypto/aes-gcm.js'
import type { FieldsealEvent } from '../../../src/core/events.js'
import { createFieldseal } from '../../../src/core/fieldseal.js'
import { resolveMaskSpec, type ResponseMaskOptions } from '../../../src/http/http-options.js'
import { isJsonBody, transformResponse } from '../../../src/http/response-body.js'
import { compileResponsePlan } from '../../../src/http/response-plan.js'
import { RouteMask } from '../../../src/http/route-mask.js'
import type { FieldsealOptions } from '../../../src/core/options.js'

const SSN = '123-45-6789'
const CARD = '4111111111111111'
const key = randomBytes(32)

function setup(options: FieldsealOptions = {}) {
  const events: FieldsealEvent[] = []
  const fs = createFieldseal({ keys: [key], onEvent: (event) => events.push(event), ...options })
  const config = fs.config
  const spec = (mask?: ResponseMaskOptions) =>
    mask === undefined ? undefined : resolveMaskSpec(mask, 'test')
  const run = (doc: object, app?: ResponseMaskOptions, route?: ResponseMaskOptions) =>
    transformResponse(config, compileResponsePlan(spec(app), spec(route)), doc, {
      fields: config.fields,
    }) as any
  const seal = (value: unknown, context: string) => fs.encryptField(value, { context }) as string
  return { fs, config, events, run, seal }
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const item of Object.values(value)) deepFreeze(item)
    Object.freeze(value)
  }
  return value
}

describe('isJsonBody', () => {
  it('takes every object a framework sends as JSON as it is: plain or not', () => {
    const plain = { a: 1 }
    expect(isJsonBody(plain)).toBe(true)
    const list = [1]
    expect(isJsonBody(list)).toBe(true)
    const bare = Object.create(null)
    expect(isJsonBody(bare)).toBe(true)
    class Row {
      ssn = 'enc:v1:k:x'
      toJSON() {
        return { ssn: this.ssn, wrapped: true }
      }
    }
    const row = new Row()
    expect(isJsonBody(row)).toBe(true)
    const date = new Date()
    expect(isJsonBody(date)).toBe(true)
  })
  it('leaves non-JSON bodies alone', () => {
    for (const body of [
      undefined,
      null,
      'text',
      1,
      Buffer.from('x'),
      new Uint8Array(1),
      new ArrayBuffer(1),
      Readable.from(['x']),
      new Blob(['x']),
      new Response('x'),
    ]) {
      expect(isJsonBody(body)).toBe(false)
    }
  })
})

describe('transformResponse', () => {
  it('censors enc: values by default and returns the input itself when nothing changes', () => {
    const { run, seal } = setup()
    expect(run({ ssn: seal(SSN, 'ssn'), list: [seal(1, 'list')], name: 'Ann' }, {})).toEqual({
      ssn: '[REDACTED]',
      list: ['[REDACTED]'],
      name: 'Ann',
    })
    const clean = { name: 'Ann', nested: [{ a: 1 }] }
    expect(run(clean, {})).toBe(clean)
  })

  it('censors with a function of the ciphertext and its path, or drops values [remove: true]', () => {
    const { run, seal } = setup()
    const sealed = seal(SSN, 'ssn')
    const seen: unknown[] = []
    const censor = (value: unknown, path: string) => {
      seen.push([value, path])
      return `hidden:${path}`
    }
    expect(run({ a: { ssn: sealed } }, { censor })).toEqual({ a: { ssn: 'hidden:a.ssn' } })
    expect(seen).toEqual([[sealed, 'a.ssn']])
    expect(run({ ssn: sealed, keep: 1, list: [sealed, 2] }, { remove: true })).toEqual({
      keep: 1,
      list: [2],
    })
  })

  it("decrypts with the configured field's context [decrypt: true]", () => {
    const { run, fs } = setup({ fields: [{ path: 'ssn', context: 'customer.ssn' }] })
    const row = fs.encryptFields({ ssn: SSN })
    expect(run(row, { decrypt: true })).toEqual({ ssn: SSN })
    expect(run(row, { decrypt: true, rules: { ssn: 'ssn' } })).toEqual({ ssn: '*******6789' })
  })

  it('keeps censored ciphertext whole at rule paths and elsewhere when a masker runs', () => {
    const { run, seal } = setup()
    const out = run(
      { ssn: seal(SSN, 'ssn'), card: seal(CARD, 'card'), other: CARD },
      { rules: { ssn: 'ssn' }, detect: true },
    )
    expect(out).toEqual({ ssn: '[REDACTED]', card: '[REDACTED]', other: '************1111' })
  })

  it('reveals fields in full over every rule, path and detection, but not under a masked ancestor', () => {
    const { run, seal } = setup()
    const doc = {
      ssn: seal(SSN, 'ssn'),
      card: CARD,
      plain: SSN,
      customer: { ssn: seal(SSN, 'ssn') },
    }
    const app = { rules: { '**.ssn': 'ssn' as const }, paths: ['plain'], detect: true }
    expect(run(doc, app, { reveal: ['["ssn"]', 'card', 'plain'] })).toEqual({
      ssn: SSN,
      card: CARD,
      plain: SSN,
      customer: { ssn: '[REDACTED]' },
    })
    expect(run(doc, { paths: ['customer'] }, { reveal: ['customer.ssn', 'ssn'] })).toEqual({
      ssn: SSN,
      card: CARD,
      plain: SSN,
      customer: '[REDACTED]',
    })
    expect(run(doc, undefined, { reveal: ['customer.ssn'] })).toMatchObject({
      ssn: '[REDACTED]',
      customer: { ssn: SSN },
    })
  })

  it('reveals a container with its encrypted fields inside it decrypted, and nothing else opened', () => {
    const { run, seal } = setup({ fields: ['street', 'address.lines[*]', 'ssn'] })
    const planted = seal('12 Victim St', 'street') // a ciphertext a client stored elsewhere
    const doc = {
      address: {
        street: seal('1 Main St', 'street'),
        lines: [seal('flat 2', 'lines')],
        notes: { copied: planted },
      },
      ssn: seal(SSN, 'ssn'),
    }
    expect(run(doc, { rules: { '**.street': 'full' } }, { reveal: ['address'] })).toEqual({
      address: { street: '1 Main St', lines: ['flat 2'], notes: { copied: '[REDACTED]' } },
      ssn: '[REDACTED]',
    })
  })

  it('sees a ciphertext a wrapper serialises through toJSON, at any depth', () => {
    const { run, seal } = setup({ fields: ['ssn'] })
    class Sealed {
      constructor(private readonly text: string) {}
      toJSON() {
        return this.text
      }
    }
    const doc = {
      rows: [{ ssn: new Sealed(seal(SSN, 'ssn')), note: new Sealed(seal('n', 'note')) }],
    }
    expect(JSON.parse(JSON.stringify(run(doc, {})))).toEqual({
      rows: [{ ssn: '[REDACTED]', note: '[REDACTED]' }],
    })
    expect(JSON.parse(JSON.stringify(run(doc, { decrypt: true, rules: { ssn: 'ssn' } })))).toEqual({
      rows: [{ ssn: '*******6789', note: '[REDACTED]' }],
    })
  })

  it('opens values at encrypted paths only, even where the route decrypts [decrypt: true]', () => {
    const { run, seal } = setup({ fields: ['customer.address'] })
    const stolen = seal('12 Victim St', 'address')
    const doc = { customer: { address: stolen }, notes: { address: stolen } }
    expect(run(doc, { decrypt: true })).toEqual({
      customer: { address: '12 Victim St' },
      notes: { address: '[REDACTED]' },
    })
    expect(run(doc, {}, { reveal: ['notes.address', 'notes'] })).toEqual({
      customer: { address: '[REDACTED]' },
      notes: { address: '[REDACTED]' },
    })
  })

  it('lets route rules win over app rules on one path, and route censor/remove/decrypt replace the app ones', () => {
    const { run, seal } = setup()
    const doc = { ssn: seal(SSN, 'ssn'), secret: 's' }
    expect(
      run(doc, { decrypt: true, rules: { ssn: 'full' } }, { rules: { ssn: 'last4' } }),
    ).toEqual({ ssn: '*******6789', secret: 's' })
    expect(run(doc, { censor: 'A', paths: ['secret'] }, { censor: 'B' })).toEqual({
      ssn: 'B',
      secret: 'B',
    })
    expect(run(doc, { remove: true }, { remove: false })).toEqual({
      ssn: '[REDACTED]',
      secret: 's',
    })
    expect(run(doc, { decrypt: true }, { decrypt: false })).toEqual({
      ssn: '[REDACTED]',
      secret: 's',
    })
  })

  it('never mutates its input', () => {
    const { run, seal } = setup()
    const doc = deepFreeze({ a: [{ ssn: seal(SSN, 'ssn'), card: CARD }], ssn: seal(SSN, 'ssn') })
    const snapshot = structuredClone(doc)
    run(
      doc,
      { decrypt: true, rules: { '**.ssn': 'ssn' }, detect: true, paths: ['a[0].card'] },
      { reveal: ['ssn'] },
    )
    run(doc, { remove: true })
    expect(doc).toEqual(snapshot)
  })

  it('opens legacy values and reports them', () => {
    const { run, events } = setup()
    const legacy = `enc:${new AesGcmCipher(key).encrypt(SSN).toString('base64')}`
    expect(run({ ssn: legacy }, { decrypt: true })).toEqual({ ssn: SSN })
    expect(events).toEqual([
      expect.objectContaining({ operation: 'legacy-format', outcome: 'success', path: 'ssn' }),
    ])
  })

  it('throws coded errors with the path and reports decrypt failures without values', () => {
    const { run, events, seal } = setup({ maxFields: 2, fields: ['ssn', 'street', 'a', 'b', 'c'] })
    const foreign = createFieldseal({ keys: [randomBytes(32)] }).encryptField(SSN, {
      context: 'ssn',
    })
    expect(() => run({ list: [{ ssn: foreign }] }, { decrypt: true })).toThrow(
      expect.objectContaining({ code: 'ERR_FIELDSEAL_UNKNOWN_KEY', path: 'list[0].ssn' }),
    )
    expect(() => run({ address: { street: 'enc:v1:k:bad' } }, {}, { reveal: ['address'] })).toThrow(
      expect.objectContaining({ code: 'ERR_FIELDSEAL_MALFORMED', path: 'address.street' }),
    )
    expect(events).toEqual([
      expect.objectContaining({
        operation: 'decrypt',
        outcome: 'failure',
        path: 'list[0].ssn',
        code: 'ERR_FIELDSEAL_UNKNOWN_KEY',
      }),
      expect.objectContaining({
        operation: 'decrypt',
        outcome: 'failure',
        path: 'address.street',
        code: 'ERR_FIELDSEAL_MALFORMED',
      }),
    ])
    expect(JSON.stringify(events)).not.toContain(String(foreign))
    const many = { a: seal(1, 'a'), b: seal(2, 'b'), c: seal(3, 'c') }
    expect(() => run(many, { decrypt: true })).toThrow(
      expect.objectContaining({ code: 'ERR_FIELDSEAL_TOO_MANY_FIELDS' }),
    )
    expect(run(many, {})).toEqual({ a: '[REDACTED]', b: '[REDACTED]', c: '[REDACTED]' }) // censoring opens nothing
  })

  it('refuses documents deeper than maxDepth [maxDepth: 3]', () => {
    const { run } = setup({ maxDepth: 3 })
    expect(() => run({ a: { b: { c: { d: 1 } } } }, {})).toThrow(
      expect.objectContaining({ code: 'ERR_FIELDSEAL_TOO_DEEP' }),
    )
  })
})

describe('RouteMask', () => {
  it('validates when created and compiles once per middleware', () => {
    expect(() => new RouteMask({ rules: { ssn: 'nope' as never } })).toThrow(
      expect.objectContaining({ code: 'ERR_FIELDSEAL_INVALID_OPTION' }),
    )
    const route = new RouteMask({ decrypt: true })
    const owner = {}
    const plan = route.planFor(owner, undefined)
    expect(route.planFor(owner, undefined)).toBe(plan)
    expect(route.planFor({}, undefined)).not.toBe(plan)
    expect(plan.decrypt).toBe(true)
  })
})
