/**
 * Child process for the keyring crash and concurrency tests: opens a FileKeyStore keyring with
 * the master key from FIELDSEAL_MASTER_KEY and rotates the data key `count` times (`0` = until
 * killed), printing one line per rotation.
 *
 *     node --import tsx test/helpers/keyring-rotator.ts <store path> <count> [actor]
 *
 * @module
 */
import { FileKeyStore } from '../../src/keyring/file-store.js'
import { openKeyManager } from '../../src/keyring/key-manager.js'

const [path, countText = '0', actor = `pid-${process.pid}`] = process.argv.slice(2)
if (path === undefined) throw new Error('usage: keyring-rotator.ts <store path> <count> [actor]')
const count = Number(countText)

const store = new FileKeyStore(path, { lockTimeoutMs: 20_000 })
const manager = await openKeyManager({ store, maxRetries: 1000 })
await manager.initEncryptionKeys({ actor })
process.stdout.write('ready\n')
for (let i = 1; count === 0 || i <= count; i++) {
  const key = await manager.rotateKey('data', { rotatedBy: actor })
  process.stdout.write(`rotated ${key.id} ${key.version}\n`)
}
await manager.close()
