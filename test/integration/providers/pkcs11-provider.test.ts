import { randomBytes } from 'node:crypto'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createPkcs11Provider, generatePkcs11Key, type Pkcs11Options } from '../../../src/providers/pkcs11-provider.js'
import type { MasterKeyProvider } from '../../../src/providers/types.js'
import { describeProviderContract, errorText, expectCode } from '../../helpers/provider-contract.js'
import { createSoftHsm, type SoftHsm } from '../../helpers/softhsm.js'

const PIN = '461901-user-pin'
const BINDING = { keyId: 'k1', type: 'data', version: '1' }

let hsm: SoftHsm
const ready = (async () => {
  hsm = await createSoftHsm()
  for (const token of ['fieldseal', 'kwp', 'second', 'pins', 'empty']) hsm.initToken(token, PIN)
  const make = (uri: string) => generatePkcs11Key({ uri, modulePath: hsm.module, pin: PIN, env: {} })
  await make('pkcs11:token=fieldseal;object=master;id=%01')
  await make('pkcs11:token=fieldseal;object=other;id=%02')
  await make('pkcs11:token=kwp;object=master')
  await make('pkcs11:token=kwp;object=other')
  await make('pkcs11:token=second;object=master;id=%01')
  await make('pkcs11:token=pins;object=master')
})()

function options(uri: string, extra: Partial<Pkcs11Options> = {}): Pkcs11Options {
  return { uri, modulePath: hsm.module, pin: PIN, env: {}, ...extra }
}

describeProviderContract('pkcs11 (SoftHSM, AES-GCM)', async () => {
  await ready
  return {
    provider: await createPkcs11Provider(options('pkcs11:token=fieldseal;object=master')),
    otherKey: await createPkcs11Provider(options('pkcs11:token=fieldseal;object=other')),
    secrets: [PIN],
  }
})

describeProviderContract('pkcs11 (SoftHSM, AES key wrap with padding)', async () => {
  await ready
  return {
    provider: await createPkcs11Provider(options('pkcs11:token=kwp;object=master', { mechanism: 'aes-kwp' })),
    otherKey: await createPkcs11Provider(options('pkcs11:token=kwp;object=other', { mechanism: 'aes-kwp' })),
    secrets: [PIN],
    deterministic: true,
  }
})

describe('PKCS#11 provider on SoftHSM', () => {
  const open: MasterKeyProvider[] = []
  const create = async (uri: string, extra: Partial<Pkcs11Options> = {}) => {
    const provider = await createPkcs11Provider(options(uri, extra))
    open.push(provider)
    return provider
  }
  beforeAll(() => ready)
  afterAll(async () => {
    await Promise.all(open.map((p) => p.close()))
    await hsm.remove()
  })

  it('prefers AES-GCM on SoftHSM, and stores a canonical URI without PIN source or module path', async () => {
    const pinDir = await mkdtemp(join(tmpdir(), 'fieldseal-pin-'))
    try {
      await writeFile(join(pinDir, 'pin'), `${PIN}\n`, { mode: 0o600 })
      const uri = `pkcs11:object=master;token=fieldseal;id=%01?module-path=${hsm.module}&pin-source=file:${join(pinDir, 'pin')}`
      const provider = await createPkcs11Provider({ uri, env: {} })
      open.push(provider)
      expect(provider.identity).toEqual({ kind: 'pkcs11', uri: 'pkcs11:token=fieldseal;object=master;id=%01' })
      const wrapped = await provider.wrap(randomBytes(32), BINDING)
      expect(wrapped[0]).toBe(0x01)
      expect(wrapped.length).toBe(1 + 12 + 32 + 16)
    } finally {
      await rm(pinDir, { recursive: true, force: true })
    }
  })

  it('takes module and PIN from FIELDSEAL_PKCS11_MODULE and FIELDSEAL_PKCS11_PIN', async () => {
    const provider = await createPkcs11Provider({ uri: 'pkcs11:token=fieldseal;object=master', env: { FIELDSEAL_PKCS11_MODULE: hsm.module, FIELDSEAL_PKCS11_PIN: PIN } })
    open.push(provider)
    const material = randomBytes(32)
    expect(Buffer.from(await provider.unwrap(await provider.wrap(material, BINDING), BINDING)).equals(material)).toBe(true)
  })

  it('opens a wrap made by another provider instance on the same key (a restart)', async () => {
    const first = await create('pkcs11:token=fieldseal;object=master')
    const material = randomBytes(32)
    const wrapped = await first.wrap(material, BINDING)
    await first.close()
    const second = await create('pkcs11:token=fieldseal;id=%01')
    expect(Buffer.from(await second.unwrap(wrapped, BINDING)).equals(material)).toBe(true)
  })

  it('refuses a wrong PIN with ERR_FIELDSEAL_PROVIDER_DENIED and never shows it', async () => {
    const error = await expectCode(() => createPkcs11Provider(options('pkcs11:token=pins;object=master', { pin: 'wrong-pin-7731' })), 'ERR_FIELDSEAL_PROVIDER_DENIED')
    expect(errorText(error)).toContain('CKR_PIN_INCORRECT')
    expect(errorText(error)).not.toContain('wrong-pin-7731')
  })

  it('refuses a wrong PIN also while another provider of this process is logged in to the token', async () => {
    await create('pkcs11:token=pins;object=master')
    const error = await expectCode(() => createPkcs11Provider(options('pkcs11:token=pins;object=master', { pin: 'wrong-pin-7731' })), 'ERR_FIELDSEAL_PROVIDER_DENIED')
    expect(errorText(error)).not.toContain('wrong-pin-7731')
    await create('pkcs11:token=pins;object=master')
  })

  it('reports a missing token as unavailable and an ambiguous one as misconfigured', async () => {
    await expectCode(() => createPkcs11Provider(options('pkcs11:token=absent;object=master')), 'ERR_FIELDSEAL_PROVIDER_UNAVAILABLE')
    await expectCode(() => createPkcs11Provider(options('pkcs11:object=master')), 'ERR_FIELDSEAL_PROVIDER_MISCONFIGURED')
  })

  it('reports a missing, ambiguous or already existing key as misconfigured', async () => {
    await expectCode(() => createPkcs11Provider(options('pkcs11:token=empty;object=master')), 'ERR_FIELDSEAL_PROVIDER_MISCONFIGURED')
    await expectCode(() => createPkcs11Provider(options('pkcs11:token=fieldseal;object=nothing')), 'ERR_FIELDSEAL_PROVIDER_MISCONFIGURED')
    await expectCode(() => generatePkcs11Key(options('pkcs11:token=fieldseal;object=master;id=%01')), 'ERR_FIELDSEAL_PROVIDER_MISCONFIGURED')
  })

  it('refuses a wrap of another token\u2019s key with the same label and id', async () => {
    const here = await create('pkcs11:token=fieldseal;object=master;id=%01')
    const there = await create('pkcs11:token=second;object=master;id=%01')
    const wrapped = await there.wrap(randomBytes(32), BINDING)
    await expectCode(() => here.unwrap(wrapped, BINDING), 'ERR_FIELDSEAL_WRONG_MASTER_KEY')
  })

  it('reports a module that does not load, and a missing PIN, as misconfigured', async () => {
    await expectCode(() => createPkcs11Provider(options('pkcs11:token=fieldseal;object=master', { modulePath: '/nonexistent/libpkcs11.so' })), 'ERR_FIELDSEAL_PROVIDER_MISCONFIGURED')
    await expectCode(() => createPkcs11Provider({ uri: 'pkcs11:token=fieldseal;object=master', modulePath: hsm.module, env: {} }), 'ERR_FIELDSEAL_PROVIDER_MISCONFIGURED')
  })

  it('checks its options when created', async () => {
    const bad: Array<Partial<Pkcs11Options> & Record<string, unknown>> = [
      { uri: 'pkcs11:token=fieldseal;object=master;pin-value=1234' },
      { uri: 'pkcs11:token=fieldseal;object=master', modulePath: 'libsofthsm2.so' },
      { uri: 'pkcs11:token=fieldseal;object=master', mechanism: 'aes-cbc' as never },
      { uri: 'pkcs11:token=fieldseal;object=master', pinn: PIN },
    ]
    for (const given of bad) {
      await expectCode(() => createPkcs11Provider({ ...options('x'), ...given } as Pkcs11Options), 'ERR_FIELDSEAL_INVALID_OPTION')
    }
  })

  it('serialises concurrent calls of several providers sharing one module', async () => {
    const a = await create('pkcs11:token=fieldseal;object=master')
    const b = await create('pkcs11:token=second;object=master')
    const materials = Array.from({ length: 40 }, () => randomBytes(32))
    const results = await Promise.all(
      materials.map(async (material, i) => {
        const provider = i % 2 === 0 ? a : b
        return Buffer.from(await provider.unwrap(await provider.wrap(material, BINDING), BINDING)).equals(material)
      }),
    )
    expect(results.every(Boolean)).toBe(true)
  })
})
