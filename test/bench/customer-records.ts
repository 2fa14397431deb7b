/**
 * The customer records the NDJSON benchmarks write: three encrypted fields (ssn, card, email)
 * and three plain ones, shared so both benchmarks measure the same data.
 */
import type { Fieldseal } from '../../src/core/fieldseal.js'

/** `count` records, the three sensitive fields sealed by `fieldseal`. */
export function* sealedCustomers(fieldseal: Fieldseal, count: number): Generator<unknown> {
  for (let i = 0; i < count; i++) {
    yield fieldseal.encryptFields(
      {
        id: i,
        name: `Customer ${i}`,
        ssn: `${String(i % 1000).padStart(3, '0')}-45-6789`,
        card: `4111 1111 1111 ${String(i % 10000).padStart(4, '0')}`,
        email: `customer${i}@example.com`,
        plan: i % 3 === 0 ? 'pro' : 'free',
      },
      ['ssn', 'card', 'email'],
    )
  }
}
