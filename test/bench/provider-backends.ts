/**
 * The backends the provider benchmarks run against, started in this process: a SoftHSM 2 token
 * with a master key, and this repository's loopback AWS KMS and Vault Transit servers, each with
 * a key named `bench`.
 *
 * @module
 */
import type { AwsKmsOptions } from '../../src/master-key/aws-kms/provider.js'
import { generatePkcs11Key, type Pkcs11Options } from '../../src/master-key/pkcs11/provider.js'
import type { VaultTransitOptions } from '../../src/master-key/vault-transit/provider.js'
import { KmsServer } from '../helpers/kms-server.js'
import { createSoftHsm } from '../helpers/softhsm.js'
import { VaultTransitServer } from '../helpers/vault-transit-server.js'

const PIN = 'bench-pin-1234'

/** Options of each provider over its started backend, and how to stop them. */
export interface Backends {
  readonly pkcs11: Pkcs11Options
  readonly aws: AwsKmsOptions
  readonly vault: VaultTransitOptions
  stop(): Promise<void>
}

/**
 * Starts SoftHSM, the KMS and the Vault servers.
 *
 * @example
 * ```ts
 * const backends = await startBackends()
 * try { await createPkcs11Provider(backends.pkcs11) } finally { await backends.stop() }
 * ```
 */
export async function startBackends(): Promise<Backends> {
  const hsm = await createSoftHsm()
  hsm.initToken('bench', PIN)
  const kms = await KmsServer.start()
  const vault = await VaultTransitServer.start()
  const pkcs11 = {
    uri: 'pkcs11:token=bench;object=master',
    modulePath: hsm.module,
    pin: PIN,
    env: {},
  }
  await generatePkcs11Key(pkcs11)
  kms.accessKeys.add('AKIABENCH')
  kms.createKey('alias/bench')
  vault.tokens.set('bench-token', '')
  vault.addKey('bench')
  return {
    pkcs11,
    aws: {
      keyId: 'alias/bench',
      region: kms.region,
      endpoint: kms.url,
      credentials: { accessKeyId: 'AKIABENCH', secretAccessKey: 'bench' },
    },
    vault: { address: vault.url, key: 'bench', token: 'bench-token', env: {} },
    async stop() {
      await kms.close()
      await vault.close()
      await hsm.remove()
    },
  }
}
