/**
 * One application instance of the propagation benchmark (a child process of `run.ts`): opens the
 * keyring named by PROPAGATION_STORE (`file:<path>` or `postgres:<table>`) with the default
 * refresh interval, seals a value every millisecond and prints `seen <kid> <epoch ms>` the first
 * time a seal comes out under a new key id. Exits when stdin closes.
 *
 * @module
 */
import { createFieldseal } from 'fieldseal'
import { FileKeyStore, openKeyring, PostgresKeyStore, type KeyStore } from 'fieldseal/keyring'
import { openPool } from '../../integration/pg-helpers.js'

const spec = process.env.PROPAGATION_STORE ?? ''
const pool = spec.startsWith('postgres:') ? await openPool(2) : undefined
pool?.on('error', () => undefined)
const store: KeyStore = pool
  ? new PostgresKeyStore(pool, { table: spec.slice('postgres:'.length) })
  : new FileKeyStore(spec.slice('file:'.length))
// FIELDSEAL_MASTER_KEY comes from the parent; refreshIntervalMs stays at its default (60 s).
const keyring = await openKeyring({ store, init: false })
const fieldseal = createFieldseal({ keyring })
const now = () => performance.timeOrigin + performance.now()

let last = ''
const timer = setInterval(() => {
  const sealed = fieldseal.encryptField('078-05-1120') as string
  const kid = sealed.split(':')[2] as string
  if (kid !== last) {
    last = kid
    process.stdout.write(`seen ${kid} ${now().toFixed(3)}\n`)
  }
}, 1)
process.stdout.write('ready\n')
process.stdin.resume().on('end', () => {
  clearInterval(timer)
  void keyring.close().then(() => pool?.end())
})
