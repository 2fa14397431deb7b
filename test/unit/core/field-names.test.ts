import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { describe, expect, it } from 'vitest'
import { fieldNames } from '../../../src/core/field-names.js'
import { resolveFields } from '../../../src/core/options.js'

const names = (fields: string[]) => fieldNames(resolveFields(fields, 'test'))
const check = (fields: string[], key: string) => () =>
  names(fields).checkKey(key, () => `at.${key}`)

describe('fieldNames', () => {
  it('refuses keys spelt like a configured name, naming the path and the configured name', () => {
    for (const key of ['SSN', 'Ssn', 's_s_n', 's-sn', 'S S N']) {
      expect(check(['ssn'], key)).toThrow(
        expect.objectContaining({
          code: 'ERR_FIELDSEAL_FIELD_VARIANT',
          path: `at.${key}`,
          message: expect.stringContaining('"ssn"'),
        }),
      )
    }
    expect(check(['customer.card_number'], 'cardNumber')).toThrow(
      expect.objectContaining({ code: 'ERR_FIELDSEAL_FIELD_VARIANT' }),
    )
  })

  it('lets exact names and unrelated names pass', () => {
    expect(check(['ssn'], 'ssn')).not.toThrow()
    expect(check(['ssn', 'SSN'], 'SSN')).not.toThrow()
    expect(check(['ssn'], 'ssn_bidx')).not.toThrow()
    expect(check(['ssn'], 'name')).not.toThrow()
  })

  it('has nothing to check for paths that do not end in a property name', () => {
    expect(names(['items[*]', 'a[0]']).any).toBe(false)
    expect(names(['a.b']).any).toBe(true)
  })

  it('stays correct past its bounded cache of keys seen', () => {
    const fields = names(['ssn'])
    for (let i = 0; i < 3000; i++) fields.checkKey(`key${i}`, () => '')
    expect(() => fields.checkKey('SSN', () => 'SSN')).toThrow(
      expect.objectContaining({ code: 'ERR_FIELDSEAL_FIELD_VARIANT' }),
    )
  })
})

describe('fieldNames: memory', () => {
  setFlagsFromString('--expose-gc')
  const gc = runInNewContext('gc') as () => void
  const retained = () => {
    gc()
    gc()
    const usage = process.memoryUsage()
    return usage.heapUsed + usage.external
  }

  it('keeps no long client-chosen key: 1,000 unique 100 KiB keys leave less than 4 MB behind', () => {
    const guard = names(['ssn'])
    guard.checkKey('warm', () => 'warm')
    const before = retained()
    // A 100 kB JSON body (express.json()'s default limit) can hold one such key per request.
    for (let i = 0; i < 1000; i++) guard.checkKey(`${i}:`.padEnd(100 * 1024, 'k'), () => 'k')
    expect(retained() - before).toBeLessThan(4 * 1024 * 1024)
  })
})
