/**
 * The contract every {@link MasterKeyProvider} must keep, as a reusable vitest suite. Call it from
 * a provider's own test file:
 *
 * ```ts
 * describeProviderContract('my-kms', async () => ({ provider, otherKey, secrets: [token], close }))
 * ```
 *
 * `provider` and `otherKey` must be the same kind of provider over two different keys; `secrets`
 * lists every secret handed to them (PIN, token, credentials), which must never show in the
 * identity or in an error.
 */
import { randomBytes } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { isFieldsealError, type FieldsealErrorCode } from '../../src/errors.js'
import type { KeyBinding, MasterKeyProvider } from '../../src/master-key/types.js'

export interface ProviderUnderTest {
  readonly provider: MasterKeyProvider
  /** The same kind of provider over another key. */
  readonly otherKey: MasterKeyProvider
  /** Every secret given to the two providers. */
  readonly secrets: readonly string[]
  /** A wrap of the same input gives the same bytes (AES key wrap); skips the fresh-IV check. */
  readonly deterministic?: boolean
  /** Releases what the setup started (servers, tokens); the providers are closed by the suite. */
  readonly cleanup?: () => Promise<void>
}

const BINDING: KeyBinding = Object.freeze({
  keyId: 'k-2026-01',
  type: 'data',
  version: '3',
  createdAt: '2026-11-29T10:00:00.000Z',
  keyring: 'billing',
})

/** Every text an error carries: message, code and the whole cause chain. */
export function errorText(error: unknown): string {
  const parts: string[] = []
  for (let e: unknown = error, depth = 0; e !== undefined && e !== null && depth < 10; depth++) {
    if (e instanceof Error) {
      parts.push(e.name, e.message, String((e as { code?: unknown }).code ?? ''), e.stack ?? '')
      e = e.cause
    } else {
      parts.push(String(e))
      break
    }
  }
  return parts.join('\n')
}

/** Runs `call`, expects a FieldsealError with `code`, and returns it. */
export async function expectCode(
  call: () => Promise<unknown>,
  code: FieldsealErrorCode,
): Promise<Error> {
  const error = await call().then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(isFieldsealError(error), errorText(error)).toBe(true)
  expect((error as { code: string }).code, errorText(error)).toBe(code)
  return error as Error
}

function flipBit(bytes: Uint8Array, index: number): Uint8Array {
  const copy = Uint8Array.from(bytes)
  copy[index] = (copy[index] as number) ^ 0x01
  return copy
}

/**
 * Registers the contract suite for one provider.
 *
 * @example
 * ```ts
 * describeProviderContract('vault-transit', setupVault)
 * ```
 */
export function describeProviderContract(
  name: string,
  setup: () => Promise<ProviderUnderTest>,
): void {
  describe(`MasterKeyProvider contract: ${name}`, () => {
    let subject: ProviderUnderTest
    const errors: unknown[] = []
    // Spellings of material and wraps that were in play when the errors were made.
    const leaks: string[] = []
    const remember = (...values: Uint8Array[]) => {
      for (const v of values)
        leaks.push(
          Buffer.from(v).toString('base64'),
          Buffer.from(v).toString('hex'),
          Buffer.from(v).toString('base64url'),
          Buffer.from(v).toString('latin1'),
        )
    }
    const refused = async (call: () => Promise<unknown>, code: FieldsealErrorCode) => {
      errors.push(await expectCode(call, code))
    }

    beforeAll(async () => {
      subject = await setup()
    })
    afterAll(async () => {
      await subject?.provider.close()
      await subject?.otherKey.close()
      await subject?.cleanup?.()
    })

    it('round-trips key material of several sizes, into a fresh array', async () => {
      for (const size of [32, 1, 16, 64, 4096]) {
        const material = randomBytes(size)
        const wrapped = await subject.provider.wrap(material, BINDING)
        if (size >= 16)
          expect(Buffer.from(wrapped).includes(material), 'material in clear').toBe(false)
        const opened = await subject.provider.unwrap(wrapped, { ...BINDING })
        expect(opened).toBeInstanceOf(Uint8Array)
        expect(Buffer.from(opened).equals(material)).toBe(true)
      }
    })

    it('uses a fresh IV: two wraps of the same input differ, both open', async () => {
      const material = randomBytes(32)
      const a = await subject.provider.wrap(material, BINDING)
      const b = await subject.provider.wrap(material, BINDING)
      if (subject.deterministic !== true) expect(Buffer.from(a).equals(Buffer.from(b))).toBe(false)
      expect(Buffer.from(await subject.provider.unwrap(b, BINDING)).equals(material)).toBe(true)
    })

    it('binding order does not matter, binding content does', async () => {
      const material = randomBytes(32)
      const wrapped = await subject.provider.wrap(material, BINDING)
      const reordered = Object.fromEntries(Object.entries(BINDING).reverse())
      expect(Buffer.from(await subject.provider.unwrap(wrapped, reordered)).equals(material)).toBe(
        true,
      )
      const { keyring: _dropped, ...fewer } = BINDING
      for (const other of [
        { ...BINDING, keyId: 'k-2026-02' },
        { ...BINDING, version: '4' },
        { ...BINDING, extra: 'x' },
        fewer,
        { ...BINDING, keyId: 'k-2026-0', type: '1data' },
      ]) {
        await refused(
          () => subject.provider.unwrap(wrapped, other),
          'ERR_FIELDSEAL_WRONG_MASTER_KEY',
        )
      }
    })

    it('refuses a tampered, truncated or foreign wrap', async () => {
      const material = randomBytes(32)
      const wrapped = await subject.provider.wrap(material, BINDING)
      remember(material, wrapped)
      const positions = new Set([0, 1, Math.floor(wrapped.length / 2), wrapped.length - 1])
      for (const index of positions) {
        await refused(
          () => subject.provider.unwrap(flipBit(wrapped, index), BINDING),
          'ERR_FIELDSEAL_WRONG_MASTER_KEY',
        )
      }
      await refused(
        () => subject.provider.unwrap(wrapped.subarray(0, wrapped.length - 1), BINDING),
        'ERR_FIELDSEAL_WRONG_MASTER_KEY',
      )
      await refused(
        () => subject.provider.unwrap(wrapped.subarray(0, 8), BINDING),
        'ERR_FIELDSEAL_WRONG_MASTER_KEY',
      )
      await refused(
        () => subject.provider.unwrap(randomBytes(wrapped.length), BINDING),
        'ERR_FIELDSEAL_WRONG_MASTER_KEY',
      )
    })

    it('refuses a wrap made under another key with ERR_FIELDSEAL_WRONG_MASTER_KEY', async () => {
      const material = randomBytes(32)
      const wrapped = await subject.otherKey.wrap(material, BINDING)
      await refused(
        () => subject.provider.unwrap(wrapped, BINDING),
        'ERR_FIELDSEAL_WRONG_MASTER_KEY',
      )
      const back = await subject.provider.wrap(material, BINDING)
      remember(material, wrapped, back)
      await refused(() => subject.otherKey.unwrap(back, BINDING), 'ERR_FIELDSEAL_WRONG_MASTER_KEY')
    })

    it('refuses bad arguments with a TypeError', async () => {
      const bad: Array<[unknown, unknown]> = [
        ['not bytes', BINDING],
        [new Uint8Array(0), BINDING],
        [new Uint8Array(4097), BINDING],
        [randomBytes(32), {}],
        [randomBytes(32), { keyId: 1 }],
        [randomBytes(32), { keyId: '' }],
        [randomBytes(32), { keyId: 'a\nb' }],
        [randomBytes(32), { 'key id': 'k1' }],
        [randomBytes(32), { awsRegion: 'k1' }],
        [randomBytes(32), null],
      ]
      for (const [material, binding] of bad) {
        await expect(
          subject.provider.wrap(material as Uint8Array, binding as KeyBinding),
        ).rejects.toThrow(TypeError)
      }
      await expect(subject.provider.unwrap(new Uint8Array(0), BINDING)).rejects.toThrow(TypeError)
    })

    it('has a JSON identity with a kind and no secret', () => {
      const { identity } = subject.provider
      expect(typeof identity.kind).toBe('string')
      expect(JSON.parse(JSON.stringify(identity))).toEqual({ ...identity })
      expect(subject.otherKey.identity.kind).toBe(identity.kind)
      expect(JSON.stringify(subject.otherKey.identity)).not.toBe(JSON.stringify(identity))
      for (const secret of subject.secrets) {
        expect(JSON.stringify(identity)).not.toContain(secret)
        expect(JSON.stringify(subject.otherKey.identity)).not.toContain(secret)
      }
    })

    it('serves concurrent calls correctly', async () => {
      const materials = Array.from({ length: 24 }, () => randomBytes(32))
      const bindings = materials.map((_, i) => ({ ...BINDING, keyId: `k${i}` }))
      const wrapped = await Promise.all(
        materials.map((m, i) => subject.provider.wrap(m, bindings[i] as KeyBinding)),
      )
      const opened = await Promise.all(
        wrapped.map((w, i) => subject.provider.unwrap(w, bindings[i] as KeyBinding)),
      )
      for (const [i, bytes] of opened.entries()) {
        expect(Buffer.from(bytes).equals(materials[i] as Buffer)).toBe(true)
      }
      const crossed = await Promise.allSettled(
        wrapped.map((w, i) => subject.provider.unwrap(w, bindings[(i + 1) % 24] as KeyBinding)),
      )
      for (const result of crossed) {
        expect(result.status).toBe('rejected')
        expect(
          isFieldsealError(
            (result as PromiseRejectedResult).reason,
            'ERR_FIELDSEAL_WRONG_MASTER_KEY',
          ),
        ).toBe(true)
      }
    })

    it('never puts a secret or the material into an error', () => {
      expect(errors.length).toBeGreaterThan(0)
      for (const error of errors) {
        const text = errorText(error)
        expect((error as Error).message).toContain(subject.provider.identity.kind)
        for (const secret of [...subject.secrets, ...leaks]) expect(text).not.toContain(secret)
      }
    })

    it('refuses every call once closed, and closes twice', async () => {
      const material = randomBytes(32)
      const wrapped = await subject.otherKey.wrap(material, BINDING)
      await subject.otherKey.close()
      await subject.otherKey.close()
      await expectCode(
        () => subject.otherKey.wrap(material, BINDING),
        'ERR_FIELDSEAL_PROVIDER_UNAVAILABLE',
      )
      await expectCode(
        () => subject.otherKey.unwrap(wrapped, BINDING),
        'ERR_FIELDSEAL_PROVIDER_UNAVAILABLE',
      )
    })
  })
}
