/**
 * Rotate the data key of a persisted keyring without losing data: old values keep decrypting,
 * re-encryption moves them to the new key, and the old key is retired only once no instance can
 * still seal with it and a usage report taken after that shows nothing left under it.
 *
 *     npx tsx examples/rotate-keys.ts
 *
 * The keyring lives in memory here; in an application it is a file (`store: '.data/keyring.json'`)
 * or a PostgreSQL table, and the master key comes from FIELDSEAL_MASTER_KEY. The wait between
 * rotation and retirement (minutes) is simulated with the keyring's clock.
 *
 * @module
 */
import { randomBytes } from 'node:crypto'
import { createFieldseal, isFieldsealError } from 'fieldseal'
import { MemoryKeyStore, openKeyring } from 'fieldseal/keyring'
import { keyUsage } from 'fieldseal/migrate'

// The keyring's clock starts ten minutes behind, so the rotation below looks ten minutes old
// once it catches up: in real life, this is the wait.
let behindMs = 10 * 60_000
const keyring = await openKeyring({
  store: new MemoryKeyStore(),
  create: true,
  masterKey: randomBytes(32),
  refreshIntervalMs: 0,
  now: () => new Date(Date.now() - behindMs),
})
const sealer = createFieldseal({ keyring, fields: ['ssn'] })
const kidOf = (value: unknown) => String(value).split(':')[2]

let rows = [
  { id: 1, ssn: '078-05-1120' },
  { id: 2, ssn: '219-09-9999' },
].map((row) => sealer.encryptFields(row))
const oldKid = keyring.encryptionKey().kid
console.log(
  'rows written under',
  oldKid,
  rows.map((row) => kidOf(row.ssn)),
)

// 1. Rotate: a new active key; the old one becomes pending_rotation and still decrypts.
const next = await keyring.manager.rotateKey('data', { rotatedBy: 'ops@example.com' })
console.log(
  'rotated to',
  next.id,
  '— old rows still read:',
  sealer.decryptFields(rows[0]).ssn === '078-05-1120',
)
console.log('new writes use', kidOf(sealer.encryptFields({ ssn: '111-22-3333' }).ssn))

// 2. The old key cannot be retired yet: instances that have not reloaded the keyring may still
//    seal with it for a few minutes, and values still use it.
try {
  await keyring.manager.retireKey(oldKid, { usage: await keyUsage(sealer, rows) })
} catch (error) {
  if (!isFieldsealError(error)) throw error
  console.log('retire refused:', error.code, '— wait until', keyring.manager.drainedAt(oldKid))
}

// 3. Once that moment has passed: re-encrypt (the plaintext never leaves the call), take a new
//    usage report, retire.
behindMs = 0
await keyring.refresh()
rows = rows.map((row) => sealer.reencryptFields(row))
const usage = await keyUsage(sealer, rows)
console.log('usage after re-encryption:', { ...usage.byKid })
await keyring.manager.retireKey(oldKid, { usage })

console.table(
  keyring.manager
    .listKeys({ type: 'data' })
    .map(({ id, version, status, rotatedBy }) => ({ id, version, status, rotatedBy })),
)
await keyring.close()
