/**
 * Times N wraps and N unwraps of 32-byte data keys per master-key provider, one call at a time
 * (as a keyring opens: one unwrap per key) and N at once, plus the cost of creating the provider
 * and the time to unwrap 10 keys (a keyring of 10 keys, without the keyring's own work).
 *
 * Run: `npm run bench:providers -- [N]` (default 200). Needs SoftHSM 2 (`apt-get install -y
 * softhsm2`). AWS KMS and Vault are the real SDK / fetch client against this repository's
 * loopback servers (test/helpers), running in this same process: their numbers are the client's
 * and the protocol's cost on loopback, not a real KMS's or Vault's latency, which adds a network
 * round trip per call.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto'
import { createAwsKmsProvider } from '../../src/master-key/aws-kms/provider.js'
import { createPkcs11Provider } from '../../src/master-key/pkcs11/provider.js'
import type { KeyBinding, MasterKeyProvider } from '../../src/master-key/types.js'
import { createVaultTransitProvider } from '../../src/master-key/vault-transit/provider.js'
import { startBackends } from './provider-backends.js'

if (process.argv.includes('--help')) {
  console.log(
    'usage: npm run bench:providers -- [N]   (N wraps and N unwraps per provider, default 200)',
  )
  process.exit(0)
}
const n = Number(process.argv[2] ?? 200)
if (!Number.isSafeInteger(n) || n < 10) throw new Error('N must be an integer of at least 10')

const binding = (i: number): KeyBinding => ({
  keyId: `k${i}`,
  type: 'data',
  version: String(i + 1),
  keyring: 'bench',
})

/** The in-process reference: what wrapping costs with the key in memory (node:crypto AES-GCM). */
function localProvider(): MasterKeyProvider {
  const key = randomBytes(32)
  const aad = (b: KeyBinding) => Buffer.from(JSON.stringify(Object.entries(b).sort()))
  return {
    identity: { kind: 'local (node:crypto)' },
    async wrap(material, b) {
      const iv = randomBytes(12)
      const cipher = createCipheriv('aes-256-gcm', key, iv).setAAD(aad(b))
      return Buffer.concat([iv, cipher.update(material), cipher.final(), cipher.getAuthTag()])
    },
    async unwrap(wrapped, b) {
      const w = Buffer.from(wrapped)
      const decipher = createDecipheriv('aes-256-gcm', key, w.subarray(0, 12)).setAAD(aad(b))
      decipher.setAuthTag(w.subarray(w.length - 16))
      return Buffer.concat([decipher.update(w.subarray(12, w.length - 16)), decipher.final()])
    },
    async close() {},
  }
}

async function timed<T>(run: () => Promise<T>): Promise<[T, number]> {
  const started = process.hrtime.bigint()
  const result = await run()
  return [result, Number(process.hrtime.bigint() - started) / 1e6]
}

async function measure(name: string, create: () => Promise<MasterKeyProvider>): Promise<void> {
  const [provider, createMs] = await timed(create)
  try {
    const materials = Array.from({ length: n }, () => randomBytes(32))
    const [wrapped, wrapMs] = await timed(async () => {
      const out: Uint8Array[] = []
      for (let i = 0; i < n; i++) out.push(await provider.wrap(materials[i] as Buffer, binding(i)))
      return out
    })
    const [, unwrapMs] = await timed(async () => {
      for (let i = 0; i < n; i++) await provider.unwrap(wrapped[i] as Uint8Array, binding(i))
    })
    const [, tenMs] = await timed(async () => {
      for (let i = 0; i < 10; i++) await provider.unwrap(wrapped[i] as Uint8Array, binding(i))
    })
    const [, parallelMs] = await timed(() =>
      Promise.all(wrapped.map((w, i) => provider.unwrap(w, binding(i)))),
    )
    const us = (ms: number) => ((ms * 1000) / n).toFixed(0).padStart(7)
    console.log(
      `${name.padEnd(28)} create ${createMs.toFixed(1).padStart(7)} ms | wrap ${us(wrapMs)} µs | unwrap ${us(unwrapMs)} µs | ` +
        `${n} unwraps at once ${parallelMs.toFixed(0).padStart(5)} ms | 10 unwraps ${tenMs.toFixed(2).padStart(7)} ms`,
    )
  } finally {
    await provider.close()
  }
}

const backends = await startBackends()
try {
  console.log(
    `N = ${n} data keys of 32 bytes, one call at a time unless said; node ${process.version}`,
  )
  await measure('local AES-GCM (reference)', async () => localProvider())
  await measure('pkcs11 SoftHSM AES-GCM', () =>
    createPkcs11Provider({ ...backends.pkcs11, mechanism: 'aes-gcm' }),
  )
  await measure('pkcs11 SoftHSM AES-KWP', () =>
    createPkcs11Provider({ ...backends.pkcs11, mechanism: 'aes-kwp' }),
  )
  await measure('aws-kms (loopback)', () => createAwsKmsProvider(backends.aws))
  await measure('vault-transit (loopback)', () => createVaultTransitProvider(backends.vault))
} finally {
  await backends.stop()
}
