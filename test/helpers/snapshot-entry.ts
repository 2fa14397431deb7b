/**
 * Entry of the V8 startup snapshot test (test/unit/crypto/nonce-pool.test.ts), bundled to one
 * CommonJS file and run as `node --build-snapshot`. It seals a value while the snapshot is being
 * built, as an application that encrypts during start-up would, then each process started from
 * the snapshot seals with the same key and prints the nonces it used, as hex, one per line.
 *
 * @module
 */
import { startupSnapshot } from 'node:v8'
import { AesGcmCipher } from '../../src/crypto/aes-gcm.js'

// One key for the build and every process: a nonce repeated under it is the failure looked for.
const key = Buffer.alloc(32, 7)
new AesGcmCipher(key).encrypt('sealed while the snapshot is built')

startupSnapshot.setDeserializeMainFunction(() => {
  const cipher = new AesGcmCipher(key)
  const nonces = Array.from({ length: 4 }, () =>
    cipher.encrypt('sealed in a process started from the snapshot').subarray(0, 12).toString('hex'),
  )
  process.stdout.write(`${nonces.join('\n')}\n`)
})
