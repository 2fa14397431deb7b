import { randomBytes } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  createAwsKmsProvider,
  type AwsKmsOptions,
} from '../../../../src/master-key/aws-kms/provider.js'
import {
  describeProviderContract,
  errorText,
  expectCode,
} from '../../../helpers/provider-contract.js'
import { KmsServer } from '../../../helpers/kms-server.js'

const BINDING = { keyId: 'k1', type: 'data', version: '1', keyring: 'billing' }
const CREDENTIALS = {
  accessKeyId: 'AKIAFIELDSEALTEST01',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/never-shown-secret',
}

// Always explicit region, endpoint and credentials: the SDK's default chain would reach for the
// instance metadata service, which is not ours to call.
function options(server: KmsServer, extra: Partial<AwsKmsOptions> = {}): AwsKmsOptions {
  return {
    keyId: 'alias/fieldseal',
    region: server.region,
    endpoint: server.url,
    credentials: CREDENTIALS,
    ...extra,
  }
}

async function startServer(): Promise<{ server: KmsServer; arn: string; otherArn: string }> {
  const server = await KmsServer.start()
  server.accessKeys.add(CREDENTIALS.accessKeyId)
  return {
    server,
    arn: server.createKey('alias/fieldseal'),
    otherArn: server.createKey('alias/other'),
  }
}

describeProviderContract('aws-kms', async () => {
  const { server } = await startServer()
  return {
    provider: await createAwsKmsProvider(options(server)),
    otherKey: await createAwsKmsProvider(options(server, { keyId: 'alias/other' })),
    secrets: [CREDENTIALS.secretAccessKey],
    cleanup: () => server.close(),
  }
})

describe('AWS KMS provider (real SDK, loopback KMS)', () => {
  let server: KmsServer
  let arn: string
  let otherArn: string
  beforeAll(async () => {
    ;({ server, arn, otherArn } = await startServer())
  })
  afterAll(() => server.close())

  it('sends Encrypt and Decrypt in the JSON 1.1 protocol, signed, with the binding as encryption context', async () => {
    const provider = await createAwsKmsProvider(options(server, { keyId: arn }))
    server.requests.length = 0
    const material = randomBytes(32)
    const wrapped = await provider.wrap(material, BINDING)
    expect(Buffer.from(await provider.unwrap(wrapped, BINDING)).equals(material)).toBe(true)
    const [encrypt, decrypt] = server.requests
    expect(encrypt).toMatchObject({
      target: 'TrentService.Encrypt',
      contentType: 'application/x-amz-json-1.1',
    })
    expect(encrypt?.authorization).toMatch(
      new RegExp(
        `^AWS4-HMAC-SHA256 Credential=${CREDENTIALS.accessKeyId}/\\d{8}/eu-west-1/kms/aws4_request`,
      ),
    )
    expect(encrypt?.body).toEqual({
      KeyId: arn,
      Plaintext: material.toString('base64'),
      EncryptionContext: { keyId: 'k1', keyring: 'billing', type: 'data', version: '1' },
      EncryptionAlgorithm: 'SYMMETRIC_DEFAULT',
    })
    expect(decrypt?.target).toBe('TrentService.Decrypt')
    expect(decrypt?.body).toEqual({
      KeyId: arn,
      CiphertextBlob: Buffer.from(wrapped).toString('base64'),
      EncryptionContext: { keyId: 'k1', keyring: 'billing', type: 'data', version: '1' },
      EncryptionAlgorithm: 'SYMMETRIC_DEFAULT',
    })
    expect(provider.identity).toEqual({ kind: 'aws-kms', keyId: arn, region: 'eu-west-1' })
    await provider.close()
  })

  it('retries ThrottlingException as the SDK does, then succeeds', async () => {
    const provider = await createAwsKmsProvider(options(server, { maxAttempts: 3 }))
    server.requests.length = 0
    server.failNext(2, 'ThrottlingException')
    const material = randomBytes(32)
    expect(
      Buffer.from(await provider.unwrap(await provider.wrap(material, BINDING), BINDING)).equals(
        material,
      ),
    ).toBe(true)
    expect(server.requests.map((r) => r.target)).toEqual([
      'TrentService.Encrypt',
      'TrentService.Encrypt',
      'TrentService.Encrypt',
      'TrentService.Decrypt',
    ])
  })

  it('gives ERR_FIELDSEAL_PROVIDER_UNAVAILABLE once the retries are spent on throttling or 5xx', async () => {
    const provider = await createAwsKmsProvider(options(server, { maxAttempts: 2 }))
    for (const [type, status] of [
      ['ThrottlingException', 400],
      ['KMSInternalException', 500],
    ] as const) {
      server.requests.length = 0
      server.failNext(2, type, status)
      const error = await expectCode(
        () => provider.wrap(randomBytes(32), BINDING),
        'ERR_FIELDSEAL_PROVIDER_UNAVAILABLE',
      )
      expect(server.requests).toHaveLength(2)
      expect(error.message).toMatch(/^aws-kms: Encrypt: /)
      expect(errorText(error)).toContain(`${type}, HTTP ${status}, 2 attempts`)
    }
  })

  it('maps AccessDeniedException and unknown credentials to ERR_FIELDSEAL_PROVIDER_DENIED, once, with no secret', async () => {
    const provider = await createAwsKmsProvider(options(server))
    server.requests.length = 0
    server.failNext(1, 'AccessDeniedException')
    const denied = await expectCode(
      () => provider.wrap(randomBytes(32), BINDING),
      'ERR_FIELDSEAL_PROVIDER_DENIED',
    )
    expect(server.requests).toHaveLength(1)
    expect(errorText(denied)).not.toContain(CREDENTIALS.secretAccessKey)
    const stranger = await createAwsKmsProvider(
      options(server, {
        credentials: { accessKeyId: 'AKIASTRANGER', secretAccessKey: 'stranger-secret' },
      }),
    )
    const unknown = await expectCode(
      () => stranger.wrap(randomBytes(32), BINDING),
      'ERR_FIELDSEAL_PROVIDER_DENIED',
    )
    expect(errorText(unknown)).not.toContain('stranger-secret')
  })

  it('refuses a wrap of another key: IncorrectKeyException, also after an alias is repointed', async () => {
    const provider = await createAwsKmsProvider(options(server, { keyId: 'alias/moving' }))
    server.repointAlias('alias/moving', arn)
    const wrapped = await provider.wrap(randomBytes(32), BINDING)
    server.repointAlias('alias/moving', otherArn)
    const error = await expectCode(
      () => provider.unwrap(wrapped, BINDING),
      'ERR_FIELDSEAL_WRONG_MASTER_KEY',
    )
    expect(errorText(error)).toContain('IncorrectKeyException')
  })

  it('refuses a Decrypt answer that names another key than the configured ARN', async () => {
    const provider = await createAwsKmsProvider(options(server, { keyId: arn }))
    const wrapped = await provider.wrap(randomBytes(32), BINDING)
    server.answerKeyId = otherArn
    try {
      await expectCode(() => provider.unwrap(wrapped, BINDING), 'ERR_FIELDSEAL_WRONG_MASTER_KEY')
    } finally {
      server.answerKeyId = undefined
    }
  })

  it('maps a missing key to misconfigured and a disabled key to unavailable', async () => {
    const missing = await createAwsKmsProvider(options(server, { keyId: 'alias/absent' }))
    await expectCode(
      () => missing.wrap(randomBytes(32), BINDING),
      'ERR_FIELDSEAL_PROVIDER_MISCONFIGURED',
    )
    const disabledArn = server.createKey('alias/disabled')
    const provider = await createAwsKmsProvider(options(server, { keyId: disabledArn }))
    const wrapped = await provider.wrap(randomBytes(32), BINDING)
    server.setEnabled(disabledArn, false)
    const error = await expectCode(
      () => provider.unwrap(wrapped, BINDING),
      'ERR_FIELDSEAL_PROVIDER_UNAVAILABLE',
    )
    expect(error.message).toContain('disabled')
  })

  it('reports an endpoint that does not listen as unavailable', async () => {
    const gone = await KmsServer.start()
    const url = gone.url
    await gone.close()
    const provider = await createAwsKmsProvider(options(server, { endpoint: url, maxAttempts: 2 }))
    await expectCode(
      () => provider.wrap(randomBytes(32), BINDING),
      'ERR_FIELDSEAL_PROVIDER_UNAVAILABLE',
    )
  })

  it('checks its options when created', async () => {
    const bad: Array<Record<string, unknown>> = [
      { keyId: '' },
      { keyId: 'alias/ok', keyid: 'x' },
      { keyId: 'not a key id' },
      { keyId: 'arn:aws:kms:eu-west-1:1234:key/abc' },
      { keyId: 'alias/ok', credentials: { accessKeyId: 'AKIA' } },
      { keyId: 'alias/ok', maxAttempts: 0 },
      { keyId: 'alias/ok', region: '' },
    ]
    for (const given of bad) {
      await expectCode(
        () => createAwsKmsProvider({ ...options(server), ...given } as AwsKmsOptions),
        'ERR_FIELDSEAL_INVALID_OPTION',
      )
    }
  })
})
