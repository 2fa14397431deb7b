/**
 * Time to open a keyring of 10 data keys under each master-key provider, and the provider calls
 * an open, a refresh and a rotation make. An open reads the store, opens the provider's check
 * and the document's MAC key, and unwraps every live key once; then sealing and opening fields
 * never call the provider.
 *
 * Run: `npm run bench:keyring-open -- [N]` (N opens per provider, default 20). Needs SoftHSM 2
 * (`apt-get install -y softhsm2`). AWS KMS and Vault are the real SDK / fetch client against this
 * repository's loopback servers (test/helpers) in this same process: their times are the client
 * and protocol cost on loopback, not a real service's latency, which adds a network round trip
 * per call (the keyring runs up to 8 unwraps at once to hide it).
 */
import { AesGcmCipher } from '../../src/crypto/aes-gcm.js'
import { openKeyManager } from '../../src/keyring/key-manager.js'
import type { KeyManagerOptions } from '../../src/keyring/manager-options.js'
import { MemoryKeyStore } from '../../src/keyring/stores/memory-store.js'
import { createAwsKmsProvider } from '../../src/master-key/aws-kms/provider.js'
import { createLocalKeyProvider } from '../../src/master-key/local-key.js'
import { createPkcs11Provider } from '../../src/master-key/pkcs11/provider.js'
import type { MasterKeyProvider } from '../../src/master-key/types.js'
import { createVaultTransitProvider } from '../../src/master-key/vault-transit/provider.js'
import { startBackends } from './provider-backends.js'

if (process.argv.includes('--help')) {
  console.log('usage: npm run bench:keyring-open -- [N]   (N opens per provider, default 20)')
  process.exit(0)
}
const n = Number(process.argv[2] ?? 20)
if (!Number.isSafeInteger(n) || n < 3) throw new Error('N must be an integer of at least 3')
const KEYS = 10

/** `provider`, counting its calls. */
function counted(provider: MasterKeyProvider): MasterKeyProvider & { calls: number } {
  const counter = {
    identity: provider.identity,
    calls: 0,
    wrap: (material: Uint8Array, binding: Record<string, string>) => {
      counter.calls++
      return provider.wrap(material, binding)
    },
    unwrap: (wrapped: Uint8Array, binding: Record<string, string>) => {
      counter.calls++
      return provider.unwrap(wrapped, binding)
    },
    close: () => provider.close(),
  }
  return counter
}

function ms(started: bigint): number {
  return Number(process.hrtime.bigint() - started) / 1e6
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] as number
}

/** Creates a keyring of KEYS data keys under `master`, then times N opens of it. */
async function measure(
  name: string,
  master: Pick<KeyManagerOptions, 'masterKey' | 'passphrase' | 'pbkdf2Iterations'>,
  provider?: MasterKeyProvider & { calls: number },
): Promise<void> {
  const store = new MemoryKeyStore()
  const options = {
    store,
    env: {},
    ...master,
    ...(provider ? { masterKeyProvider: provider } : {}),
  }
  const keys = await openKeyManager({ ...options, create: true })
  await keys.initEncryptionKeys()
  // KEYS - 1 keys now; the rotation measured below makes the KEYS-th.
  for (let i = 2; i < KEYS; i++) await keys.rotateKey('data')
  if (provider) provider.calls = 0
  await keys.rotateKey('data', { ifActive: 'none' }) // a change that saves nothing
  await keys.refresh()
  const idle = provider?.calls ?? 0
  await keys.rotateKey('data')
  const perRotation = (provider?.calls ?? 0) - idle
  await keys.close()
  const times: number[] = []
  let perOpen = 0
  for (let i = 0; i < n; i++) {
    if (provider) provider.calls = 0
    const started = process.hrtime.bigint()
    const opened = await openKeyManager(options)
    times.push(ms(started))
    perOpen = provider?.calls ?? perOpen
    await opened.close()
  }
  times.sort((a, b) => a - b)
  const calls = provider
    ? `provider calls: ${perOpen} per open, ${idle} per refresh that finds nothing new, ${perRotation} per rotation`
    : ''
  console.log(
    `${name.padEnd(32)} open: median ${percentile(times, 50).toFixed(2).padStart(8)} ms, p95 ${percentile(times, 95).toFixed(2).padStart(8)} ms | ${calls}`,
  )
}

const backends = await startBackends()
try {
  console.log(
    `a keyring of ${KEYS} data keys, opened ${n} times per provider; node ${process.version}`,
  )
  const key = AesGcmCipher.generateKey()
  await measure('env (raw key)', {}, counted(createLocalKeyProvider({ key })))
  await measure('passphrase (PBKDF2 600 000)', { passphrase: 'bench passphrase' })
  await measure('passphrase (PBKDF2 100 000)', {
    passphrase: 'bench passphrase',
    pbkdf2Iterations: 100_000,
  })
  for (const [name, create] of [
    ['pkcs11 (SoftHSM 2)', () => createPkcs11Provider(backends.pkcs11)],
    ['aws-kms (loopback server)', () => createAwsKmsProvider(backends.aws)],
    ['vault-transit (loopback server)', () => createVaultTransitProvider(backends.vault)],
  ] as const) {
    const provider = await create()
    await measure(name, {}, counted(provider))
    await provider.close()
  }
} finally {
  await backends.stop()
}
