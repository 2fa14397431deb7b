import { randomBytes } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import {
  sealProviderCheck,
  unwrapVerified,
  verifyProviderCheck,
} from '../../../src/master-key/provider-check.js'
import { expectCode } from '../../helpers/provider-contract.js'
import { MemoryProvider } from '../../helpers/memory-provider.js'

const KEYRING = { keyring: 'billing' }
const RECORD = { keyId: 'k1', type: 'data', version: '1', keyring: 'billing' }

describe('provider check: wrong key versus corrupt store', () => {
  it('opens under the provider that sealed it', async () => {
    const provider = new MemoryProvider()
    const check = await sealProviderCheck(provider, KEYRING)
    await expect(verifyProviderCheck(provider, check, KEYRING)).resolves.toBeUndefined()
  })

  it('names another provider key, or another keyring, a wrong master key', async () => {
    const provider = new MemoryProvider()
    const check = await sealProviderCheck(provider, KEYRING)
    const error = await expectCode(
      () => verifyProviderCheck(new MemoryProvider('other'), check, KEYRING),
      'ERR_FIELDSEAL_WRONG_MASTER_KEY',
    )
    expect(error.message).toBe("memory: the provider's key does not open the keyring's check value")
    await expectCode(
      () => verifyProviderCheck(provider, check, { keyring: 'payroll' }),
      'ERR_FIELDSEAL_WRONG_MASTER_KEY',
    )
  })

  it('does not take a wrapped key record for the check, nor the check for a record', async () => {
    const provider = new MemoryProvider()
    const record = await provider.wrap(randomBytes(32), RECORD)
    await expectCode(
      () => verifyProviderCheck(provider, record, KEYRING),
      'ERR_FIELDSEAL_WRONG_MASTER_KEY',
    )
    // A value wrapped under the check's own binding but holding something else is not the check.
    const forged = await provider.wrap(randomBytes(38), { ...KEYRING, purpose: 'keyring-check' })
    await expectCode(
      () => verifyProviderCheck(provider, forged, KEYRING),
      'ERR_FIELDSEAL_WRONG_MASTER_KEY',
    )
    const check = await sealProviderCheck(provider, KEYRING)
    await expectCode(
      () => unwrapVerified(provider, check, RECORD, 'k1'),
      'ERR_FIELDSEAL_STORE_CORRUPT',
    )
    await expect(sealProviderCheck(provider, { ...KEYRING, purpose: 'x' })).rejects.toThrow(
      TypeError,
    )
  })

  it('calls a record that does not open after the check a corrupt store, naming the key', async () => {
    const provider = new MemoryProvider()
    const material = randomBytes(32)
    const wrapped = await provider.wrap(material, RECORD)
    expect(
      Buffer.from(await unwrapVerified(provider, wrapped, RECORD, 'k1')).equals(material),
    ).toBe(true)
    const altered = Uint8Array.from(wrapped)
    altered[20] = (altered[20] as number) ^ 1
    const error = await expectCode(
      () => unwrapVerified(provider, altered, RECORD, 'k1'),
      'ERR_FIELDSEAL_STORE_CORRUPT',
    )
    expect((error as { kid?: string }).kid).toBe('k1')
  })

  it('lets denied, unavailable and misconfigured errors through unchanged', async () => {
    const provider = new MemoryProvider()
    const check = await sealProviderCheck(provider, KEYRING)
    await provider.close()
    await expectCode(
      () => verifyProviderCheck(provider, check, KEYRING),
      'ERR_FIELDSEAL_PROVIDER_UNAVAILABLE',
    )
    await expectCode(
      () => unwrapVerified(provider, check, RECORD, 'k1'),
      'ERR_FIELDSEAL_PROVIDER_UNAVAILABLE',
    )
  })
})
