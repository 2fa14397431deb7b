import { describe, expect, it } from 'vitest'
import { AesGcmCipher } from '../../../src/crypto/aes-gcm.js'
import { createFieldseal } from '../../../src/core/fieldseal.js'
import { resolveMaskSpec, type ResponseMaskOptions } from '../../../src/http/http-options.js'
import { transformResponse } from '../../../src/http/response-body.js'
import { compileResponsePlan, type ResponsePlan } from '../../../src/http/response-plan.js'

const sealer = createFieldseal({ keys: [AesGcmCipher.generateKey()], fields: ['ssn', 'card'] })
const compile = (options: ResponseMaskOptions) =>
  compileResponsePlan(undefined, resolveMaskSpec(options, 'test'))
const prepare = (plan: ResponsePlan, doc: unknown) =>
  transformResponse(sealer.config, plan, doc, { fields: sealer.config.fields })

describe('compileResponsePlan', () => {
  it('is compiled once and never written afterwards: frozen', () => {
    const plan = compile({ decrypt: true, rules: { ssn: 'ssn' }, paths: ['password'] })
    expect(Object.isFrozen(plan)).toBe(true)
  })

  it('keeps no per-response state: a response prepared while another is (re-entrant) comes out whole', () => {
    // A censor function of the application runs while the masker walks a response; one that
    // prepares another response with the same plan (a log line, an audit copy) must not change
    // what the first one sends. 0.1.0 counted released markers on the shared plan: the inner
    // call reset and raised it, and the outer response went out with internal markers in it.
    const row = () => sealer.encryptFields({ ssn: '078-05-1120', card: '4111111111111111' })
    let plan: ResponsePlan | undefined
    let inner: unknown
    plan = compile({
      paths: ['password', '**.ssn'],
      censor: (value) => {
        if (value === 'pw' && plan !== undefined) inner = prepare(plan, [row(), row(), row()])
        return '[hidden]'
      },
    })
    const outer = prepare(plan, { password: 'pw', a: row(), b: row() })
    expect(JSON.parse(JSON.stringify(outer))).toEqual({
      password: '[hidden]',
      a: { ssn: '[hidden]', card: '[hidden]' },
      b: { ssn: '[hidden]', card: '[hidden]' },
    })
    expect(JSON.parse(JSON.stringify(inner))).toEqual(
      Array.from({ length: 3 }, () => ({ ssn: '[hidden]', card: '[hidden]' })),
    )
  })
})
