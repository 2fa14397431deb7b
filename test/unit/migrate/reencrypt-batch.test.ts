import { describe, expect, it } from 'vitest'
import { AesGcmCipher } from '../../../src/crypto/aes-gcm.js'
import { FieldsealError } from '../../../src/errors.js'
import { createFieldseal, type Fieldseal } from '../../../src/core/fieldseal.js'
import { keyUsage } from '../../../src/migrate/key-usage.js'
import {
  reencryptRecords,
  type ReencryptProgress,
  type ReencryptRecordsOptions,
  type ReencryptResult,
} from '../../../src/migrate/reencrypt-batch.js'
import { keyFingerprint } from '../../../src/crypto/static-keys.js'

const A = AesGcmCipher.generateKey()
const B = AesGcmCipher.generateKey()
const kidA = keyFingerprint(A)
const kidB = keyFingerprint(B)
const fsA = createFieldseal({ keys: [A] })
const fsBA = createFieldseal({ keys: [B, A] })
const fsB = createFieldseal({ keys: [B] })

interface Row {
  id: number
  ssn?: unknown
  email?: unknown
  name?: string
}

function rows(n: number, fs: Fieldseal = fsA): Row[] {
  return Array.from({ length: n }, (_, id) =>
    fs.encryptFields({ id, ssn: `ssn-${id}`, email: `u${id}@x.io`, name: 'n' }),
  )
}

async function all<T>(
  fs: Fieldseal,
  records: Iterable<T> | AsyncIterable<T>,
  options?: ReencryptRecordsOptions<T>,
): Promise<ReencryptResult<T>[]> {
  const out: ReencryptResult<T>[] = []
  for await (const result of reencryptRecords(fs, records, options)) out.push(result)
  return out
}

describe('reencryptRecords', () => {
  it('moves every value to the active key, keeping order and every record', async () => {
    const input = rows(50)
    const results = await all(fsBA, input)
    expect(results.map((r) => r.index)).toEqual(input.map((_, i) => i))
    expect(results.every((r) => r.changed && r.error === undefined)).toBe(true)
    const output = results.map((r) => r.record)
    expect(await keyUsage(fsB, output)).toMatchObject({ total: 100, byKid: { [kidB]: 100 } })
    // Readable with the new key alone, values intact.
    expect(output.map((r) => fsB.decryptFields(r))).toEqual(input.map((r) => fsA.decryptFields(r)))
    // The input was not mutated.
    expect(await keyUsage(fsA, input)).toMatchObject({ byKid: { [kidA]: 100 } })
  })

  it('reports a record already on the active key as unchanged (the same object)', async () => {
    const current = rows(1, fsB)[0]!
    const [result] = await all(fsBA, [current, { id: 9, name: 'no secrets' }])
    expect(result).toMatchObject({ index: 0, changed: false })
    expect(result!.record).toBe(current)
  })

  it('turns legacy values into v1', async () => {
    const legacy = `enc:${new AesGcmCipher(A).encryptString('123-45-6789')}`
    const [result] = await all(fsBA, [{ ssn: legacy }])
    expect(result!.changed).toBe(true)
    expect(fsB.decryptFields(result!.record)).toEqual({ ssn: '123-45-6789' })
  })

  it('yields a failing record unchanged with its error, and carries on [stopOnError: false]', async () => {
    const input: Row[] = rows(4)
    input[1] = { id: 1, ssn: 'enc:v1:nokey:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' }
    input[2] = { id: 2, ssn: 'enc:not-base64!' }
    const progress: ReencryptProgress[] = []
    const results = await all(fsBA, input, { onProgress: (p) => progress.push(p) })
    expect(results).toHaveLength(4)
    expect(results[1]).toMatchObject({
      index: 1,
      changed: false,
      error: { code: 'ERR_FIELDSEAL_UNKNOWN_KEY', path: 'ssn' },
    })
    expect(results[1]!.record).toBe(input[1])
    expect(results[2]).toMatchObject({
      changed: false,
      error: { code: 'ERR_FIELDSEAL_MALFORMED', path: 'ssn' },
    })
    expect(results[3]!.changed).toBe(true)
    expect(progress.at(-1)).toEqual({ processed: 4, changed: 2, failed: 2 })
  })

  it('throws at the first failing record, before yielding it [stopOnError: true]', async () => {
    const input: Row[] = rows(3)
    input[1] = { id: 1, ssn: 'plaintext in an encrypted field' }
    const seen: number[] = []
    const progress: ReencryptProgress[] = []
    const run = async () => {
      for await (const r of reencryptRecords(fsBA, input, {
        stopOnError: true,
        onProgress: (p) => progress.push(p),
      })) {
        seen.push(r.index)
      }
    }
    await expect(run()).rejects.toMatchObject({
      code: 'ERR_FIELDSEAL_PLAINTEXT_FIELD',
      path: 'ssn',
      message: expect.stringContaining('record 1'),
    })
    expect(seen).toEqual([0])
    expect(progress.at(-1)).toEqual({ processed: 1, changed: 1, failed: 0 })
  })

  it('resumes from a checkpoint: an aborted run plus a resumed run cover every record once', async () => {
    const input = rows(30)
    const controller = new AbortController()
    let checkpoint = 0
    const first: ReencryptResult<Row>[] = []
    const aborted = (async () => {
      for await (const r of reencryptRecords(fsBA, input, {
        signal: controller.signal,
        progressInterval: 0,
        onProgress: ({ processed }) => {
          checkpoint = processed
          if (processed === 12) controller.abort()
        },
      })) {
        first.push(r)
      }
    })()
    await expect(aborted).rejects.toMatchObject({ name: 'AbortError' })
    expect(checkpoint).toBe(12)
    expect(first).toHaveLength(12)
    const second = await all(fsBA, input, { startAfter: checkpoint })
    expect(second[0]!.index).toBe(12)
    const output = [...first, ...second].map((r) => r.record)
    expect(output.map((r) => r.id)).toEqual(input.map((r) => r.id))
    expect(await keyUsage(fsB, output)).toMatchObject({ total: 60, byKid: { [kidB]: 60 } })
  })

  it('rejects at once when the signal is already aborted', async () => {
    const controller = new AbortController()
    controller.abort(new Error('stop now'))
    await expect(all(fsBA, rows(2), { signal: controller.signal })).rejects.toThrow('stop now')
  })

  it('counts skipped records in the checkpoint, even past the end of the input', async () => {
    const progress: ReencryptProgress[] = []
    expect(
      await all(fsBA, rows(3), { startAfter: 10, onProgress: (p) => progress.push(p) }),
    ).toEqual([])
    expect(progress).toEqual([{ processed: 3, changed: 0, failed: 0 }])
  })

  it('does not count a record the consumer did not finish (break inside the loop)', async () => {
    const progress: ReencryptProgress[] = []
    for await (const r of reencryptRecords(fsBA, rows(5), {
      onProgress: (p) => progress.push(p),
    })) {
      if (r.index === 2) break
    }
    expect(progress).toEqual([{ processed: 2, changed: 2, failed: 0 }])
  })

  it('throttles progress: with a long interval, only the final call is made', async () => {
    const progress: ReencryptProgress[] = []
    await all(fsBA, rows(20), { progressInterval: 3_600_000, onProgress: (p) => progress.push(p) })
    expect(progress).toEqual([{ processed: 20, changed: 20, failed: 0 }])
  })

  it('reports every record with progressInterval: 0', async () => {
    const progress: number[] = []
    await all(fsBA, rows(4), { progressInterval: 0, onProgress: (p) => progress.push(p.processed) })
    expect(progress).toEqual([1, 2, 3, 4])
  })

  it('returns the final progress as the generator result', async () => {
    const generator = reencryptRecords(fsBA, rows(2))
    let step = await generator.next()
    while (!step.done) step = await generator.next()
    expect(step.value).toEqual({ processed: 2, changed: 2, failed: 0 })
  })

  it('re-encrypts only the given paths [fields]', async () => {
    const [result] = await all(fsBA, rows(1), { fields: ['ssn'] })
    expect(await keyUsage(fsB, [result!.record])).toMatchObject({ byKid: { [kidA]: 1, [kidB]: 1 } })
  })

  it('reads async iterables', async () => {
    async function* source() {
      yield* rows(3)
    }
    expect((await all(fsBA, source())).map((r) => r.changed)).toEqual([true, true, true])
  })

  it('stops when the source fails', async () => {
    const broken = {
      [Symbol.iterator]: function* () {
        yield rows(1)[0]
        throw new RangeError('source failed')
      },
    }
    await expect(all(fsBA, broken)).rejects.toThrow('source failed')
  })

  it('stops on an error that is not about one record (the key source lost its key)', async () => {
    const source = fsBA.keySource
    let lost = false
    const flaky = createFieldseal({
      keyring: {
        encryptionKey: () => {
          if (lost) throw new FieldsealError('ERR_FIELDSEAL_NO_KEY', 'no active key')
          return source.encryptionKey()
        },
        decryptionKey: (kid) => source.decryptionKey(kid),
        legacyKeys: () => source.legacyKeys(),
      },
    })
    lost = true
    await expect(all(flaky, rows(3))).rejects.toMatchObject({ code: 'ERR_FIELDSEAL_NO_KEY' })
  })

  it('rejects bad options when called, before reading any record', () => {
    const invalid = expect.objectContaining({ code: 'ERR_FIELDSEAL_INVALID_OPTION' })
    expect(() => reencryptRecords(fsBA, [], { startafter: 1 } as never)).toThrow(
      /Did you mean "startAfter"/,
    )
    expect(() => reencryptRecords(fsBA, [], { startAfter: -1 })).toThrow(invalid)
    expect(() => reencryptRecords(fsBA, [], { startAfter: 1.5 })).toThrow(invalid)
    expect(() => reencryptRecords(fsBA, [], { progressInterval: -5 })).toThrow(invalid)
    expect(() => reencryptRecords(fsBA, [], { onProgress: 'x' as never })).toThrow(invalid)
    expect(() => reencryptRecords(fsBA, [], { signal: {} as never })).toThrow(invalid)
    expect(() => reencryptRecords(fsBA, [], { stopOnError: 'yes' as never })).toThrow(invalid)
    expect(() => reencryptRecords(fsBA, [], { fields: ['a.__proto__'] })).toThrow(
      expect.objectContaining({ code: 'ERR_FIELDSEAL_INVALID_PATH' }),
    )
    expect(() => reencryptRecords(fsBA, 3 as never)).toThrow(TypeError)
    expect(() => reencryptRecords({} as never, [])).toThrow(TypeError)
  })

  it('treats undefined, {} and a null-prototype options object alike', async () => {
    const input = rows(2)
    const strip = (results: ReencryptResult<Row>[]) => results.map((r) => [r.index, r.changed])
    const expected = strip(await all(fsBA, input))
    expect(strip(await all(fsBA, input, {}))).toEqual(expected)
    expect(strip(await all(fsBA, input, Object.create(null)))).toEqual(expected)
  })
})

describe('reencryptRecords [binding]', () => {
  const sealedFor = (tenant: string, id: number) =>
    fsA.encryptFields({ id, tenant, ssn: `ssn-${id}` }, undefined, { binding: `tenant:${tenant}` })

  it('re-encrypts each record under its own binding, and keeps it bound', async () => {
    const records = [sealedFor('a', 1), sealedFor('b', 2)]
    const results = await all(fsBA, records, {
      binding: (record, index) => {
        expect(record).toBe(records[index])
        return `tenant:${record.tenant}`
      },
    })
    expect(results.map((r) => [r.changed, r.error])).toEqual([
      [true, undefined],
      [true, undefined],
    ])
    const [a] = results
    expect(fsB.decryptFields(a!.record, undefined, { binding: 'tenant:a' })).toMatchObject({
      ssn: 'ssn-1',
    })
    expect(() => fsB.decryptFields(a!.record)).toThrow(
      expect.objectContaining({ code: 'ERR_FIELDSEAL_DECRYPT_FAILED' }),
    )
  })

  it('reports a record whose binding does not open it, and goes on', async () => {
    const records = [sealedFor('a', 1), sealedFor('b', 2)]
    const results = await all(fsBA, records, { binding: () => 'tenant:a' })
    expect(results[0]?.changed).toBe(true)
    expect(results[1]?.error).toMatchObject({ code: 'ERR_FIELDSEAL_DECRYPT_FAILED', path: 'ssn' })
    expect(results[1]?.record).toBe(records[1])
    // Without the binding, a bound record cannot be moved at all.
    const unbound = await all(fsBA, [sealedFor('a', 3)])
    expect(unbound[0]?.error).toMatchObject({ code: 'ERR_FIELDSEAL_DECRYPT_FAILED' })
  })

  it('stops at a binding that is no usable string, and refuses a binding that is not a function', async () => {
    await expect(all(fsBA, [sealedFor('a', 1)], { binding: () => '' })).rejects.toMatchObject({
      code: 'ERR_FIELDSEAL_INVALID_OPTION',
    })
    expect(() => reencryptRecords(fsBA, [], { binding: 'tenant:a' as never })).toThrow(
      expect.objectContaining({ code: 'ERR_FIELDSEAL_INVALID_OPTION' }),
    )
  })
})
