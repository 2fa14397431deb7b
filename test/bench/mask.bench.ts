/**
 * Masking a response before it is serialised: JSON.stringify alone (the floor), the fieldseal
 * masker + JSON.stringify (censoring paths, and masking by rule) and fast-redact (which mutates
 * and restores in generated code) on the same paths, for one 10-field record, for 100, and for
 * 100 class instances (which the masker walks as JSON.stringify sends them).
 * Run with `npx vitest bench --run test/bench/mask.bench.ts`.
 */
import fastRedact from 'fast-redact'
import { bench, describe } from 'vitest'
import { createMasker } from '../../src/mask/masker.js'

const record = (i: number) => ({
  id: 100_000 + i,
  name: 'Ann Lee',
  email: `ann.lee${i}@example.com`,
  phone: '+1 (555) 123-4567',
  ssn: '123-45-6789',
  card: '4111 1111 1111 1111',
  address: '1600 Pennsylvania Avenue NW',
  city: 'Washington',
  createdAt: '2024-05-01T12:00:00.000Z',
  active: i % 2 === 0,
})

const FIELDS = ['ssn', 'card', 'email', 'phone'] as const

/** An ORM-style entity: the same fields on a class instance, which the slow path walks. */
class Customer {
  constructor(fields: ReturnType<typeof record>) {
    Object.assign(this, fields)
  }
}

const cases = [
  { name: 'one 10-field record', doc: record(0) as object, prefix: '' },
  {
    name: '100 records of 10 fields',
    doc: { customers: Array.from({ length: 100 }, (_, i) => record(i)) } as object,
    prefix: 'customers[*].',
  },
  {
    name: '100 class instances of 10 fields',
    doc: { customers: Array.from({ length: 100 }, (_, i) => new Customer(record(i))) } as object,
    prefix: 'customers[*].',
  },
]

for (const { name, doc, prefix } of cases) {
  const paths = FIELDS.map((field) => prefix + field)
  const censorMasker = createMasker({ paths })
  const ruleMasker = createMasker({
    rules: Object.fromEntries(
      FIELDS.map((field) => [prefix + field, field === 'ssn' ? 'ssn' : field]),
    ),
  })
  const redact = fastRedact({ paths, serialize: JSON.stringify })

  describe(name, () => {
    bench('JSON.stringify alone', () => {
      JSON.stringify(doc)
    })
    bench('fieldseal createMasker({ paths }) + JSON.stringify', () => {
      JSON.stringify(censorMasker(doc))
    })
    bench('fieldseal createMasker({ rules }) + JSON.stringify', () => {
      JSON.stringify(ruleMasker(doc))
    })
    bench('fast-redact (serialize: JSON.stringify)', () => {
      redact(doc)
    })
  })
}
