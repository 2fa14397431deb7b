import { randomBytes } from 'node:crypto'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { describe, expect, it } from 'vitest'
import { AadCache, MAX_CACHED_CONTEXT_LENGTH } from '../../../src/crypto/aad-cache.js'
import { createFieldseal } from '../../../src/core/fieldseal.js'
import { createHttpPipeline } from '../../../src/http/pipeline.js'
import { requestThrough } from '../../helpers/pipeline.js'

setFlagsFromString('--expose-gc')
const gc = runInNewContext('gc') as () => void

const MB = 1024 * 1024
const FAILURES = 10_000
const json = { 'content-type': 'application/json', 'content-length': '10' }

/** Heap and off-heap (Buffer) bytes still reachable after a full collection. */
function retained(): number {
  gc()
  gc()
  const usage = process.memoryUsage()
  return usage.heapUsed + usage.external
}

/** A unique 10 KiB context: what a client can choose as a key of its JSON body. */
const bigContext = (i: number) => `${i}:`.padEnd(10 * 1024, 'c')

describe('AadCache', () => {
  it('gives back what it was told, as a copy that owns its memory', () => {
    const cache = new AadCache()
    const aad = Buffer.from('enc:v1:kid:ssn')
    cache.remember('kid', 'ssn', aad)
    const cached = cache.lookup('kid', 'ssn')
    expect(cached).toEqual(new Uint8Array(aad))
    expect(cached?.buffer.byteLength).toBe(aad.byteLength) // not a view of the Buffer pool
    expect(cache.lookup('kid', 'tax_id')).toBeUndefined()
    expect(cache.lookup('other', 'ssn')).toBeUndefined()
  })

  it(`never keeps a context longer than ${MAX_CACHED_CONTEXT_LENGTH} code units`, () => {
    const cache = new AadCache()
    const long = 'c'.repeat(MAX_CACHED_CONTEXT_LENGTH + 1)
    cache.remember('kid', long, Buffer.from(`enc:v1:kid:${long}`))
    expect(cache.lookup('kid', long)).toBeUndefined()
    expect(cache.bytes).toBe(0)
  })

  it('stays within its byte bound, starting over when full [maxBytes: 4096]', () => {
    const cache = new AadCache(4096)
    let peak = 0
    for (let i = 0; i < 10_000; i++) {
      const context = `field_${i}`
      cache.remember('kid', context, Buffer.from(`enc:v1:kid:${context}`))
      peak = Math.max(peak, cache.bytes)
    }
    expect(peak).toBeLessThanOrEqual(4096)
    expect(cache.lookup('kid', 'field_9999')).toBeDefined() // the newest survives a reset
    expect(cache.lookup('kid', 'field_0')).toBeUndefined()
  })
})

describe('memory under failing decryptions with client-chosen contexts', () => {
  it(`${FAILURES} failures with unique 10 KiB contexts leave less than 4 MB behind (core)`, () => {
    const fs = createFieldseal({ keys: [randomBytes(32)] })
    const value = fs.encryptField('078-05-1120', { context: 'ssn' })
    fs.decryptField(value, { context: 'ssn' }) // warm up what is legitimately cached
    const before = retained()
    const codes = new Set<string>()
    for (let i = 0; i < FAILURES; i++) {
      try {
        fs.decryptField(value, { context: bigContext(i) })
      } catch (error: any) {
        codes.add(error.code)
      }
    }
    const grown = retained() - before
    expect([...codes]).toEqual(['ERR_FIELDSEAL_DECRYPT_FAILED'])
    expect(grown).toBeLessThan(4 * MB)
  })

  it(`${FAILURES} failing requests with unique 10 KiB field names leave less than 4 MB behind (HTTP pipeline)`, async () => {
    const fs = createFieldseal({ keys: [randomBytes(32)], fields: ['secrets.*'] })
    const pipeline = createHttpPipeline(fs, { decrypt: ['secrets.*'] })
    const value = fs.encryptField('078-05-1120', { context: 'ssn' })
    await requestThrough(pipeline, { body: { secrets: { ssn: value } }, headers: json })
    const before = retained()
    const codes = new Set<string>()
    for (let i = 0; i < FAILURES; i++) {
      const body = { secrets: { [bigContext(i)]: value } }
      await requestThrough(pipeline, { body, headers: json }).catch((error) =>
        codes.add(error.code),
      )
    }
    const grown = retained() - before
    expect([...codes]).toEqual(['ERR_FIELDSEAL_DECRYPT_FAILED'])
    expect(grown).toBeLessThan(4 * MB)
  })
})
