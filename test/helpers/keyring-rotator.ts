/**
 * Child process for the keyring crash and concurrency tests: opens a FileKeyStore keyring with
 * the master key from FIELDSEAL_MASTER_KEY and rotates the data key `count` times (`0` = until
 * killed), printing one line per rotation. With ROTATOR_WAIT_FOR_GO=1 it waits for "go" on
 * stdin after printing "ready", so that several processes start rotating at the same moment;
 * ROTATOR_PAUSE_MS=n pauses up to n ms between rotations, as independent operators would.
 *
 *     node --import tsx test/helpers/keyring-rotator.ts <store path> <count> [actor]
 *
 * @module
 */
import { FileKeyStore } from '../../src/keyring/stores/file-store.js'
import { openKeyManager } from '../../src/keyring/key-manager.js'

const [path, countText = '0', actor = `pid-${process.pid}`] = process.argv.slice(2)
if (path === undefined) throw new Error('usage: keyring-rotator.ts <store path> <count> [actor]')
const count = Number(countText)

const store = new FileKeyStore(path, { lockTimeoutMs: 20_000 })
const manager = await openKeyManager({ store, maxRetries: 1000, create: true })
await manager.initEncryptionKeys({ actor })
process.stdout.write('ready\n')
if (process.env.ROTATOR_WAIT_FOR_GO === '1') {
  // Start together with the other processes: the parent writes "go" once all are ready.
  await new Promise<void>((resolve) => {
    process.stdin.setEncoding('utf8').on('data', (chunk: string) => {
      if (chunk.includes('go')) resolve()
    })
  })
  process.stdin.destroy()
}
const pauseMs = Number(process.env.ROTATOR_PAUSE_MS ?? 0)
for (let i = 1; count === 0 || i <= count; i++) {
  const key = await manager.rotateKey('data', { rotatedBy: actor })
  process.stdout.write(`rotated ${key.id} ${key.version}\n`)
  if (pauseMs > 0) await new Promise((resolve) => setTimeout(resolve, Math.random() * pauseMs))
}
await manager.close()
