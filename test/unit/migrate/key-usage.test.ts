import { randomBytes } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { AesGcmCipher } from '../../../src/crypto/aes-gcm.js'
import { createFieldseal } from '../../../src/core/fieldseal.js'
import { keyUsage } from '../../../src/migrate/key-usage.js'
import { keyFingerprint } from '../../../src/crypto/static-keys.js'

const A = AesGcmCipher.generateKey()
const B = AesGcmCipher.generateKey()
const C = AesGcmCipher.generateKey()
const kidA = keyFingerprint(A)
const kidB = keyFingerprint(B)
const fsA = createFieldseal({ keys: [A] })
const fsB = createFieldseal({ keys: [B, A] })
const legacyValue = `enc:${new AesGcmCipher(A).encryptString('123-45-6789')}`
const payload = randomBytes(40).toString('base64url')

async function* asAsync<T>(items: T[]): AsyncGenerator<T> {
  for (const item of items) yield item
}

describe('keyUsage', () => {
  it('counts values per key id across eras, legacy values apart', async () => {
    const records = [
      fsA.encryptFields({ ssn: '111-11-1111', email: 'a@example.com', name: 'Ada' }),
      fsB.encryptFields({ ssn: '222-22-2222', email: 'b@example.com', name: 'Bob' }),
      { ssn: legacyValue, nested: { list: [fsA.encryptField('x'), fsB.encryptField('y')] } },
    ]
    const before = Date.now()
    const usage = await keyUsage(fsB, records)
    expect(usage).toEqual({
      records: 3,
      total: 7,
      byKid: { [kidA]: 3, [kidB]: 3 },
      legacy: 1,
      plaintext: 0,
      malformed: 0,
      startedAt: expect.any(String),
    })
    expect(Date.parse(usage.startedAt as string)).toBeGreaterThanOrEqual(before)
  })

  it('says when its data was read: the call, an earlier moment given, or null when unknown', async () => {
    const records = [fsA.encryptFields({ ssn: '111-11-1111' })]
    const exported = new Date(Date.now() - 60_000)
    expect((await keyUsage(fsA, records, { startedAt: exported })).startedAt).toBe(
      exported.toISOString(),
    )
    expect((await keyUsage(fsA, records, { startedAt: null })).startedAt).toBeNull()
    for (const startedAt of [
      new Date(Date.now() + 60_000),
      new Date('nope'),
      '2030-01-01',
    ] as never[]) {
      await expect(keyUsage(fsA, records, { startedAt })).rejects.toMatchObject({
        code: 'ERR_FIELDSEAL_INVALID_OPTION',
      })
    }
  })

  it('reads key ids without decrypting (works with an unrelated key)', async () => {
    const other = createFieldseal({ keys: [C] })
    const usage = await keyUsage(other, [fsA.encryptFields({ ssn: '1', card_number: '4111' })])
    expect(usage.byKid[kidA]).toBe(2)
    expect(usage.total).toBe(2)
  })

  it('counts plaintext only in fields that should be encrypted, and skips empty values', async () => {
    const usage = await keyUsage(fsA, [
      { ssn: '123-45-6789', email: '', phone: null, name: 'Ada', note: 'not sensitive' },
      { items: [{ card_number: '4111 1111 1111 1111' }] },
    ])
    expect(usage).toMatchObject({ records: 2, total: 2, plaintext: 2, legacy: 0, malformed: 0 })
  })

  it('counts malformed enc: values without throwing', async () => {
    const usage = await keyUsage(fsA, [
      {
        a: 'enc:v1:bad id:AAAA',
        b: 'enc:v9:k:AAAA',
        c: 'enc:not base64!',
        d: `enc:v1:${kidA}:AAAA`,
      },
    ])
    expect(usage).toMatchObject({ total: 4, malformed: 4 })
    expect(Object.keys(usage.byKid)).toEqual([])
  })

  it('follows the given paths only [fields]', async () => {
    const record = fsA.encryptFields({ ssn: '1', email: 'e@x.io', profile: { tax_id: '9' } })
    const usage = await keyUsage(fsA, [record], { fields: ['profile.tax_id'] })
    expect(usage).toMatchObject({ total: 1, byKid: { [kidA]: 1 } })
  })

  it('selects like decryptFields with configured fields: those fields plus every enc: value', async () => {
    const configured = createFieldseal({ keys: [A], fields: ['secret'] })
    const usage = await keyUsage(configured, [
      { secret: 'plain', email: 'plain@example.com', deep: { x: fsA.encryptField('y') } },
    ])
    // `email` is not a configured field, so its plaintext is not counted (decryptFields passes it).
    expect(usage).toMatchObject({ total: 2, plaintext: 1, byKid: { [kidA]: 1 } })
  })

  it('treats { fields } undefined, {} and a null-prototype object alike', async () => {
    const records = [fsA.encryptFields({ ssn: '1' })]
    // Each report is dated by its own call: compare everything but that.
    const counts = async (options?: object) => {
      const { startedAt, ...rest } = await keyUsage(fsA, records, options)
      expect(startedAt).toEqual(expect.any(String))
      return rest
    }
    const expected = await counts()
    expect(await counts({})).toEqual(expected)
    expect(await counts(Object.create(null))).toEqual(expected)
  })

  it('reads async iterables', async () => {
    const usage = await keyUsage(
      fsA,
      asAsync([fsA.encryptFields({ ssn: '1' }), fsA.encryptFields({ ssn: '2' })]),
    )
    expect(usage).toMatchObject({ records: 2, total: 2, byKid: { [kidA]: 2 } })
  })

  it('builds byKid without a prototype, so a kid named __proto__ is just a count', async () => {
    const usage = await keyUsage(fsA, [
      { a: `enc:v1:__proto__:${payload}`, b: `enc:v1:constructor:${payload}` },
    ])
    expect(Object.getPrototypeOf(usage.byKid)).toBeNull()
    // biome-ignore lint/suspicious/noProto: the own property named __proto__ counted as a key id
    expect(usage.byKid.__proto__).toBe(1)
    expect(usage.byKid.constructor).toBe(1)
  })

  it('throws rather than undercount a record it cannot walk, naming the record', async () => {
    let deep: Record<string, unknown> = { ssn: fsA.encryptField('1') }
    for (let i = 0; i < 40; i++) deep = { next: deep }
    await expect(keyUsage(fsA, [{ ok: 1 }, deep])).rejects.toMatchObject({
      code: 'ERR_FIELDSEAL_TOO_DEEP',
      message: expect.stringContaining('record 1'),
    })
  })

  it('ignores non-object records', async () => {
    const usage = await keyUsage(fsA, ['enc:v1:top:xx', 42, null])
    expect(usage).toMatchObject({ records: 3, total: 0 })
  })

  it('rejects bad arguments', async () => {
    await expect(keyUsage(fsA, [], { feilds: ['a'] } as never)).rejects.toMatchObject({
      code: 'ERR_FIELDSEAL_INVALID_OPTION',
      message: expect.stringContaining('Did you mean "fields"'),
    })
    await expect(keyUsage(fsA, [], { fields: ['a..b'] })).rejects.toMatchObject({
      code: 'ERR_FIELDSEAL_INVALID_PATH',
    })
    await expect(keyUsage(fsA, 42 as never)).rejects.toBeInstanceOf(TypeError)
    await expect(keyUsage({} as never, [])).rejects.toBeInstanceOf(TypeError)
  })
})
