import { randomBytes } from 'node:crypto'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  createPkcs11Provider,
  generatePkcs11Key,
  type Pkcs11Options,
} from '../../../src/master-key/pkcs11/provider.js'
import type { MasterKeyProvider } from '../../../src/master-key/types.js'
import { acquireLibrary } from '../../../src/master-key/pkcs11/library.js'
import { findSlot } from '../../../src/master-key/pkcs11/token.js'
import { parsePkcs11Uri } from '../../../src/master-key/pkcs11/uri.js'
import { describeProviderContract, errorText, expectCode } from '../../helpers/provider-contract.js'
import { createSoftHsm, type SoftHsm } from '../../helpers/softhsm.js'

const PIN = '461901-user-pin'
const BINDING = { keyId: 'k1', type: 'data', version: '1' }

let hsm: SoftHsm
const ready = (async () => {
  hsm = await createSoftHsm()
  for (const token of ['fieldseal', 'kwp', 'second', 'pins', 'empty', 'unfit'])
    hsm.initToken(token, PIN)
  const make = (uri: string) =>
    generatePkcs11Key({ uri, modulePath: hsm.module, pin: PIN, env: {} })
  await make('pkcs11:token=fieldseal;object=master;id=%01')
  await make('pkcs11:token=fieldseal;object=other;id=%02')
  await make('pkcs11:token=kwp;object=master')
  await make('pkcs11:token=kwp;object=other')
  await make('pkcs11:token=second;object=master;id=%01')
  await make('pkcs11:token=pins;object=master')
  await makeUnfitKeys()
})()

/** Keys a master key must not be: extractable, not sensitive, AES-128, unable to decrypt. */
async function makeUnfitKeys(): Promise<void> {
  const library = await acquireLibrary(hsm.module)
  const { js, pkcs11 } = library
  const slot = findSlot(pkcs11, parsePkcs11Uri('pkcs11:token=unfit;object=x'))
  const session = pkcs11.C_OpenSession(slot, js.CKF_SERIAL_SESSION | js.CKF_RW_SESSION)
  try {
    pkcs11.C_Login(session, js.CKU_USER, PIN)
    const unfit: Array<[string, Array<{ type: number; value: boolean | number }>]> = [
      ['extractable', [{ type: js.CKA_EXTRACTABLE, value: true }]],
      ['not-sensitive', [{ type: js.CKA_SENSITIVE, value: false }]],
      ['aes-128', [{ type: js.CKA_VALUE_LEN, value: 16 }]],
      ['no-decrypt', [{ type: js.CKA_DECRYPT, value: false }]],
    ]
    for (const [label, change] of unfit) {
      const base = new Map<number, boolean | number>([
        [js.CKA_VALUE_LEN, 32],
        [js.CKA_TOKEN, true],
        [js.CKA_SENSITIVE, true],
        [js.CKA_EXTRACTABLE, false],
        [js.CKA_ENCRYPT, true],
        [js.CKA_DECRYPT, true],
        [js.CKA_WRAP, true],
        [js.CKA_UNWRAP, true],
      ])
      for (const { type, value } of change) base.set(type, value)
      pkcs11.C_GenerateKey(session, { mechanism: js.CKM_AES_KEY_GEN }, [
        { type: js.CKA_CLASS, value: js.CKO_SECRET_KEY },
        { type: js.CKA_KEY_TYPE, value: js.CKK_AES },
        { type: js.CKA_LABEL, value: label },
        ...[...base].map(([type, value]) => ({ type, value })),
      ])
    }
  } finally {
    pkcs11.C_CloseSession(session)
    library.release()
  }
}

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
    provider: await createPkcs11Provider(
      options('pkcs11:token=kwp;object=master', { mechanism: 'aes-kwp' }),
    ),
    otherKey: await createPkcs11Provider(
      options('pkcs11:token=kwp;object=other', { mechanism: 'aes-kwp' }),
    ),
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
      expect(provider.identity).toEqual({
        kind: 'pkcs11',
        uri: 'pkcs11:token=fieldseal;object=master;id=%01',
      })
      const wrapped = await provider.wrap(randomBytes(32), BINDING)
      expect(wrapped[0]).toBe(0x01)
      expect(wrapped.length).toBe(1 + 12 + 32 + 16)
    } finally {
      await rm(pinDir, { recursive: true, force: true })
    }
  })

  it('takes module and PIN from FIELDSEAL_PKCS11_MODULE and FIELDSEAL_PKCS11_PIN', async () => {
    const provider = await createPkcs11Provider({
      uri: 'pkcs11:token=fieldseal;object=master',
      env: { FIELDSEAL_PKCS11_MODULE: hsm.module, FIELDSEAL_PKCS11_PIN: PIN },
    })
    open.push(provider)
    const material = randomBytes(32)
    expect(
      Buffer.from(await provider.unwrap(await provider.wrap(material, BINDING), BINDING)).equals(
        material,
      ),
    ).toBe(true)
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
    const error = await expectCode(
      () =>
        createPkcs11Provider(options('pkcs11:token=pins;object=master', { pin: 'wrong-pin-7731' })),
      'ERR_FIELDSEAL_PROVIDER_DENIED',
    )
    expect(errorText(error)).toContain('CKR_PIN_INCORRECT')
    expect(errorText(error)).not.toContain('wrong-pin-7731')
  })

  it('refuses a wrong PIN also while another provider of this process is logged in to the token', async () => {
    await create('pkcs11:token=pins;object=master')
    const error = await expectCode(
      () =>
        createPkcs11Provider(options('pkcs11:token=pins;object=master', { pin: 'wrong-pin-7731' })),
      'ERR_FIELDSEAL_PROVIDER_DENIED',
    )
    expect(errorText(error)).not.toContain('wrong-pin-7731')
    await create('pkcs11:token=pins;object=master')
  })

  it('reports a missing token as unavailable and an ambiguous one as misconfigured', async () => {
    await expectCode(
      () => createPkcs11Provider(options('pkcs11:token=absent;object=master')),
      'ERR_FIELDSEAL_PROVIDER_UNAVAILABLE',
    )
    await expectCode(
      () => createPkcs11Provider(options('pkcs11:object=master')),
      'ERR_FIELDSEAL_PROVIDER_MISCONFIGURED',
    )
  })

  it('reports a missing, ambiguous or already existing key as misconfigured', async () => {
    await expectCode(
      () => createPkcs11Provider(options('pkcs11:token=empty;object=master')),
      'ERR_FIELDSEAL_PROVIDER_MISCONFIGURED',
    )
    await expectCode(
      () => createPkcs11Provider(options('pkcs11:token=fieldseal;object=nothing')),
      'ERR_FIELDSEAL_PROVIDER_MISCONFIGURED',
    )
    await expectCode(
      () => generatePkcs11Key(options('pkcs11:token=fieldseal;object=master;id=%01')),
      'ERR_FIELDSEAL_PROVIDER_MISCONFIGURED',
    )
  })

  it('refuses a token key that could leave the token, is not AES-256, or cannot decrypt', async () => {
    for (const label of ['extractable', 'not-sensitive', 'aes-128', 'no-decrypt']) {
      const error = await expectCode(
        () => createPkcs11Provider(options(`pkcs11:token=unfit;object=${label}`)),
        'ERR_FIELDSEAL_PROVIDER_MISCONFIGURED',
      )
      expect(error.message, label).toMatch(/token key/)
    }
    // The same key passes for AES key wrap, which needs CKA_WRAP/CKA_UNWRAP, not CKA_DECRYPT.
    open.push(
      await createPkcs11Provider(
        options('pkcs11:token=unfit;object=no-decrypt', { mechanism: 'aes-kwp' }),
      ),
    )
  })

  it('refuses a wrap of another token\u2019s key with the same label and id', async () => {
    const here = await create('pkcs11:token=fieldseal;object=master;id=%01')
    const there = await create('pkcs11:token=second;object=master;id=%01')
    const wrapped = await there.wrap(randomBytes(32), BINDING)
    await expectCode(() => here.unwrap(wrapped, BINDING), 'ERR_FIELDSEAL_WRONG_MASTER_KEY')
  })

  it('reports a module that does not load, and a missing PIN, as misconfigured', async () => {
    await expectCode(
      () =>
        createPkcs11Provider(
          options('pkcs11:token=fieldseal;object=master', {
            modulePath: '/nonexistent/libpkcs11.so',
          }),
        ),
      'ERR_FIELDSEAL_PROVIDER_MISCONFIGURED',
    )
    await expectCode(
      () =>
        createPkcs11Provider({
          uri: 'pkcs11:token=fieldseal;object=master',
          modulePath: hsm.module,
          env: {},
        }),
      'ERR_FIELDSEAL_PROVIDER_MISCONFIGURED',
    )
  })

  it('checks its options when created', async () => {
    const bad: Array<Partial<Pkcs11Options> & Record<string, unknown>> = [
      { uri: 'pkcs11:token=fieldseal;object=master;pin-value=1234' },
      { uri: 'pkcs11:token=fieldseal;object=master', modulePath: 'libsofthsm2.so' },
      { uri: 'pkcs11:token=fieldseal;object=master', mechanism: 'aes-cbc' as never },
      { uri: 'pkcs11:token=fieldseal;object=master', pinn: PIN },
    ]
    for (const given of bad) {
      await expectCode(
        () => createPkcs11Provider({ ...options('x'), ...given } as Pkcs11Options),
        'ERR_FIELDSEAL_INVALID_OPTION',
      )
    }
  })

  it('close() lets calls already queued finish and refuses later ones; other providers keep the module', async () => {
    const keeper = await create('pkcs11:token=second;object=master')
    const closing = await createPkcs11Provider(options('pkcs11:token=fieldseal;object=master'))
    const materials = Array.from({ length: 10 }, () => randomBytes(32))
    const queued = materials.map((m) => closing.wrap(m, BINDING))
    await closing.close()
    const wrapped = await Promise.all(queued)
    expect(wrapped).toHaveLength(10)
    await expectCode(
      () => closing.wrap(randomBytes(32), BINDING),
      'ERR_FIELDSEAL_PROVIDER_UNAVAILABLE',
    )
    const material = randomBytes(32)
    expect(
      Buffer.from(await keeper.unwrap(await keeper.wrap(material, BINDING), BINDING)).equals(
        material,
      ),
    ).toBe(true)
    const reopened = await create('pkcs11:token=fieldseal;object=master')
    expect(
      Buffer.from(await reopened.unwrap(wrapped[3] as Uint8Array, BINDING)).equals(
        materials[3] as Buffer,
      ),
    ).toBe(true)
  })

  it('finalises the module when the last provider closes, and initialises it again after', async () => {
    await Promise.all(open.splice(0).map((p) => p.close()))
    const again = await create('pkcs11:token=fieldseal;object=master')
    const material = randomBytes(32)
    expect(
      Buffer.from(await again.unwrap(await again.wrap(material, BINDING), BINDING)).equals(
        material,
      ),
    ).toBe(true)
  })

  it('serialises concurrent calls of several providers sharing one module', async () => {
    const a = await create('pkcs11:token=fieldseal;object=master')
    const b = await create('pkcs11:token=second;object=master')
    const materials = Array.from({ length: 40 }, () => randomBytes(32))
    const results = await Promise.all(
      materials.map(async (material, i) => {
        const provider = i % 2 === 0 ? a : b
        return Buffer.from(
          await provider.unwrap(await provider.wrap(material, BINDING), BINDING),
        ).equals(material)
      }),
    )
    expect(results.every(Boolean)).toBe(true)
  })
})
