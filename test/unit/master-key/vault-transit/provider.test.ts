import { randomBytes } from 'node:crypto'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  createVaultTransitProvider,
  type VaultTransitOptions,
} from '../../../../src/master-key/vault-transit/provider.js'
import {
  describeProviderContract,
  errorText,
  expectCode,
} from '../../../helpers/provider-contract.js'
import { VaultTransitServer } from '../../../helpers/vault-transit-server.js'

const BINDING = { keyId: 'k1', type: 'data', version: '1' }
const TOKEN = 'hvs.CAESIJ-test-token-never-shown'

async function serverWithKeys(): Promise<VaultTransitServer> {
  const server = await VaultTransitServer.start()
  server.tokens.set(TOKEN, '')
  server.addKey('fieldseal')
  server.addKey('other')
  return server
}

function options(
  server: VaultTransitServer,
  extra: Partial<VaultTransitOptions> = {},
): VaultTransitOptions {
  return {
    address: server.url,
    key: 'fieldseal',
    token: TOKEN,
    retryBaseDelayMs: 5,
    env: {},
    ...extra,
  }
}

describeProviderContract('vault-transit', async () => {
  const server = await serverWithKeys()
  return {
    provider: await createVaultTransitProvider(options(server)),
    otherKey: await createVaultTransitProvider(options(server, { key: 'other' })),
    secrets: [TOKEN],
    cleanup: () => server.close(),
  }
})

describe('Vault Transit provider', () => {
  let server: VaultTransitServer
  beforeAll(async () => {
    server = await serverWithKeys()
  })
  afterAll(() => server.close())

  it('sends the documented request shapes: token header, JSON, base64 plaintext and associated_data', async () => {
    const provider = await createVaultTransitProvider(options(server))
    server.requests.length = 0
    const material = randomBytes(32)
    const wrapped = await provider.wrap(material, BINDING)
    await provider.unwrap(wrapped, BINDING)
    const [describeKey, encrypt, decrypt] = server.requests
    expect(describeKey).toMatchObject({
      method: 'GET',
      path: '/v1/transit/keys/fieldseal',
      token: TOKEN,
    })
    expect(encrypt).toMatchObject({
      method: 'POST',
      path: '/v1/transit/encrypt/fieldseal',
      contentType: 'application/json',
    })
    expect(Object.keys(encrypt?.body ?? {}).sort()).toEqual(['associated_data', 'plaintext'])
    expect(encrypt?.body?.plaintext).toBe(material.toString('base64'))
    expect(Buffer.from(String(encrypt?.body?.associated_data), 'base64').toString()).toBe(
      'fieldseal-binding:v1\nkeyId=k1\ntype=data\nversion=1\n',
    )
    expect(decrypt).toMatchObject({ path: '/v1/transit/decrypt/fieldseal' })
    expect(decrypt?.body?.ciphertext).toBe(Buffer.from(wrapped).toString())
    expect(Buffer.from(wrapped).toString()).toMatch(/^vault:v1:/)
    expect(server.requests).toHaveLength(3) // the key is described once
    await provider.close()
  })

  it('opens wraps made before the Transit key was rotated', async () => {
    const provider = await createVaultTransitProvider(options(server))
    const material = randomBytes(32)
    const old = await provider.wrap(material, BINDING)
    server.rotate('fieldseal')
    expect(Buffer.from(await provider.wrap(material, BINDING)).toString()).toMatch(/^vault:v2:/)
    expect(Buffer.from(await provider.unwrap(old, BINDING)).equals(material)).toBe(true)
    await provider.close()
  })

  it('sends the namespace header and puts the namespace in the identity', async () => {
    server.tokens.set('ns-token', 'team-a')
    server.addKey('fieldseal', {}, 'team-a')
    const provider = await createVaultTransitProvider(
      options(server, { token: 'ns-token', namespace: 'team-a' }),
    )
    const material = randomBytes(32)
    expect(
      Buffer.from(await provider.unwrap(await provider.wrap(material, BINDING), BINDING)).equals(
        material,
      ),
    ).toBe(true)
    expect(server.requests.at(-1)?.namespace).toBe('team-a')
    expect(provider.identity).toEqual({
      kind: 'vault-transit',
      address: server.url,
      namespace: 'team-a',
      mount: 'transit',
      key: 'fieldseal',
    })
    const rootToken = await createVaultTransitProvider(options(server, { namespace: 'team-a' }))
    await expectCode(() => rootToken.wrap(material, BINDING), 'ERR_FIELDSEAL_PROVIDER_DENIED')
  })

  it('maps a refused token to ERR_FIELDSEAL_PROVIDER_DENIED without showing it', async () => {
    const provider = await createVaultTransitProvider(
      options(server, { token: 'hvs.wrong-token-value' }),
    )
    const error = await expectCode(
      () => provider.wrap(randomBytes(32), BINDING),
      'ERR_FIELDSEAL_PROVIDER_DENIED',
    )
    expect(error.message).toMatch(/^vault-transit: .*permission denied/)
    expect(errorText(error)).not.toContain('hvs.wrong-token-value')
  })

  it('refuses a missing key before encrypting, instead of letting Vault create it', async () => {
    const provider = await createVaultTransitProvider(options(server, { key: 'typo' }))
    await expectCode(
      () => provider.wrap(randomBytes(32), BINDING),
      'ERR_FIELDSEAL_PROVIDER_MISCONFIGURED',
    )
    expect(server.hasKey('typo')).toBe(false)
  })

  it('refuses key types that would ignore associated_data, and derived keys', async () => {
    server.addKey('rsa', { type: 'rsa-2048' })
    server.addKey('derived', { derived: true })
    for (const key of ['rsa', 'derived']) {
      const provider = await createVaultTransitProvider(options(server, { key }))
      await expectCode(
        () => provider.wrap(randomBytes(32), BINDING),
        'ERR_FIELDSEAL_PROVIDER_MISCONFIGURED',
      )
      await expectCode(
        () => provider.unwrap(Buffer.from('vault:v1:AAAA'), BINDING),
        'ERR_FIELDSEAL_PROVIDER_MISCONFIGURED',
      )
    }
  })

  it('retries 5xx and 429 with backoff, then succeeds', async () => {
    const provider = await createVaultTransitProvider(options(server))
    const material = randomBytes(32)
    const wrapped = await provider.wrap(material, BINDING)
    server.requests.length = 0
    server.failNext(1, 500, ['internal error'])
    server.failNext(
      1,
      429,
      ['request path "transit/decrypt/fieldseal": rate limit quota exceeded'],
      '0',
    )
    expect(Buffer.from(await provider.unwrap(wrapped, BINDING)).equals(material)).toBe(true)
    expect(server.requests).toHaveLength(3)
  })

  it('gives up after maxAttempts with ERR_FIELDSEAL_PROVIDER_UNAVAILABLE, saying Vault is sealed', async () => {
    const provider = await createVaultTransitProvider(options(server, { maxAttempts: 3 }))
    await provider.wrap(randomBytes(32), BINDING)
    server.requests.length = 0
    server.failNext(3, 503, ['Vault is sealed'])
    const error = await expectCode(
      () => provider.wrap(randomBytes(32), BINDING),
      'ERR_FIELDSEAL_PROVIDER_UNAVAILABLE',
    )
    expect(error.message).toContain('Vault is sealed')
    expect(server.requests).toHaveLength(3)
  })

  it('times out a silent server and reports it unavailable', async () => {
    const provider = await createVaultTransitProvider(
      options(server, { timeoutMs: 50, maxAttempts: 2 }),
    )
    server.delayMs = 400
    try {
      const error = await expectCode(
        () => provider.wrap(randomBytes(32), BINDING),
        'ERR_FIELDSEAL_PROVIDER_UNAVAILABLE',
      )
      expect(errorText(error)).toContain('no answer in 50 ms')
    } finally {
      server.delayMs = 0
    }
  })

  it('reports a server that does not listen as unavailable', async () => {
    const gone = await VaultTransitServer.start()
    const url = gone.url
    await gone.close()
    const provider = await createVaultTransitProvider(
      options(server, { address: url, maxAttempts: 2 }),
    )
    await expectCode(
      () => provider.wrap(randomBytes(32), BINDING),
      'ERR_FIELDSEAL_PROVIDER_UNAVAILABLE',
    )
  })

  it('refuses a wrap that is not a Vault ciphertext without calling Vault', async () => {
    const provider = await createVaultTransitProvider(options(server))
    await provider.wrap(randomBytes(32), BINDING)
    server.requests.length = 0
    for (const wrapped of [
      'vault:v1:',
      'vault:v0:AAAA',
      'vault:v1:AAAA\n',
      'enc:v1:k:AAAA',
      '\u00ff',
    ]) {
      await expectCode(
        () => provider.unwrap(Buffer.from(wrapped, 'latin1'), BINDING),
        'ERR_FIELDSEAL_WRONG_MASTER_KEY',
      )
    }
    expect(server.requests).toHaveLength(0)
  })

  it('treats odd or hostile answers as unavailable, never as key material', async () => {
    const provider = await createVaultTransitProvider(options(server, { maxAttempts: 2 }))
    const wrapped = await provider.wrap(randomBytes(32), BINDING)
    const answers: Array<[string, string]> = [
      ['encrypt', 'not json'],
      ['encrypt', '{"data":{}}'],
      ['encrypt', '{"data":{"ciphertext":"vault:v1:\\u0000"}}'],
      ['decrypt', '{"data":{"plaintext":"not base64!"}}'],
      ['decrypt', '{"data":{"plaintext":""}}'],
      ['decrypt', '[]'],
    ]
    for (const [operation, raw] of answers) {
      server.answerNext(1, 200, raw)
      const call =
        operation === 'encrypt'
          ? () => provider.wrap(randomBytes(32), BINDING)
          : () => provider.unwrap(wrapped, BINDING)
      await expectCode(call, 'ERR_FIELDSEAL_PROVIDER_UNAVAILABLE')
    }
    server.answerNext(2, 200, JSON.stringify({ data: { plaintext: 'A'.repeat(2 << 20) } }))
    const error = await expectCode(
      () => provider.unwrap(wrapped, BINDING),
      'ERR_FIELDSEAL_PROVIDER_UNAVAILABLE',
    )
    expect(errorText(error)).toContain('RangeError')
  })

  it('does not follow a redirect, so the token goes nowhere else', async () => {
    const elsewhere = await VaultTransitServer.start()
    try {
      const provider = await createVaultTransitProvider(options(server))
      await provider.wrap(randomBytes(32), BINDING)
      server.answerNext(1, 307, '', `${elsewhere.url}/v1/transit/encrypt/fieldseal`)
      await expectCode(
        () => provider.wrap(randomBytes(32), BINDING),
        'ERR_FIELDSEAL_PROVIDER_MISCONFIGURED',
      )
      expect(elsewhere.requests).toHaveLength(0)
    } finally {
      await elsewhere.close()
    }
  })

  it('close() stops a call in flight and its backoff wait at once', async () => {
    for (const stage of ['in flight', 'backing off'] as const) {
      const provider = await createVaultTransitProvider(
        options(server, { maxAttempts: 3, retryBaseDelayMs: 60_000 }),
      )
      await provider.wrap(randomBytes(32), BINDING)
      if (stage === 'in flight') server.delayMs = 1_000
      else server.failNext(1, 503, ['Vault is sealed'], '60')
      try {
        const started = Date.now()
        const pending = provider.wrap(randomBytes(32), BINDING)
        setTimeout(() => void provider.close(), 100)
        const error = await expectCode(() => pending, 'ERR_FIELDSEAL_PROVIDER_UNAVAILABLE')
        expect(error.message, stage).toContain('closed')
        expect(Date.now() - started, stage).toBeLessThan(900)
      } finally {
        server.delayMs = 0
      }
    }
  })

  it('takes the token from VAULT_TOKEN_FILE before VAULT_TOKEN, and needs one', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fieldseal-vault-'))
    try {
      await writeFile(join(dir, 'token'), `${TOKEN}\n`, { mode: 0o600 })
      const env = {
        VAULT_ADDR: server.url,
        VAULT_TOKEN_FILE: join(dir, 'token'),
        VAULT_TOKEN: 'hvs.ignored',
      }
      const provider = await createVaultTransitProvider({ key: 'fieldseal', env })
      await provider.wrap(randomBytes(32), BINDING)
      expect(server.requests.at(-1)?.token).toBe(TOKEN)
      await expectCode(
        () => createVaultTransitProvider({ key: 'fieldseal', env: { VAULT_ADDR: server.url } }),
        'ERR_FIELDSEAL_PROVIDER_MISCONFIGURED',
      )
      const missing = { VAULT_ADDR: server.url, VAULT_TOKEN_FILE: join(dir, 'absent') }
      await expectCode(
        () => createVaultTransitProvider({ key: 'fieldseal', env: missing }),
        'ERR_FIELDSEAL_PROVIDER_MISCONFIGURED',
      )
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })

  it('checks its options when created', async () => {
    const bad: Array<Record<string, unknown>> = [
      { key: 'fieldseal' },
      { address: 'vault:8200', key: 'fieldseal' },
      { address: 'http://vault.example:8200', key: 'fieldseal' },
      { address: 'https://user:pw@vault.example', key: 'fieldseal' },
      { address: 'https://vault.example/v1', key: 'fieldseal' },
      { address: server.url, key: '../sys/seal' },
      { address: server.url, key: 'k', mount: 'transit/../sys' },
      { address: server.url, key: 'k', kee: 'x' },
      { address: server.url, key: 'k', timeoutMs: 0 },
    ]
    for (const given of bad) {
      await expectCode(
        () =>
          createVaultTransitProvider({ token: TOKEN, env: {}, ...given } as VaultTransitOptions),
        'ERR_FIELDSEAL_INVALID_OPTION',
      )
    }
    const remote = await createVaultTransitProvider({
      address: 'http://vault.example:8200',
      key: 'k',
      token: TOKEN,
      allowInsecureHttp: true,
      env: {},
    })
    expect(remote.identity.address).toBe('http://vault.example:8200')
  })
})
