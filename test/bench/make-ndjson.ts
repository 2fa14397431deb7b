/**
 * Writes N customer records as NDJSON with three encrypted fields each (ssn, card, email), sealed
 * under the active data key of the key store in FIELDSEAL_KEYSTORE (master key from
 * FIELDSEAL_MASTER_KEY or FIELDSEAL_MASTER_PASSPHRASE), or of FIELDSEAL_KEYS when no key store is
 * set. Input for measuring `fieldseal reencrypt`:
 *
 *     export FIELDSEAL_MASTER_KEY=$(npx tsx src/cli/main.ts keygen) FIELDSEAL_KEYSTORE=/tmp/ks.json
 *     npx tsx src/cli/main.ts keys init
 *     npx tsx test/bench/make-ndjson.ts 100000 > /tmp/in.ndjson
 *     npx tsx src/cli/main.ts keys rotate
 *     time npx tsx src/cli/main.ts reencrypt /tmp/in.ndjson --out /tmp/out.ndjson
 *
 * @module
 */
import { createWriteStream } from 'node:fs'
import { finished } from 'node:stream/promises'
import { createFieldseal } from '../../src/core/fieldseal.js'
import { openKeyring } from '../../src/keyring/index.js'
import { writeNdjson } from '../../src/migrate/ndjson.js'
import { sealedCustomers } from './customer-records.js'

const count = Number(process.argv[2] ?? 100_000)
const outPath = process.argv[3]
if (!Number.isSafeInteger(count) || count < 0)
  throw new Error('usage: make-ndjson.ts [count] [out-file]')

const keyring = process.env.FIELDSEAL_KEYSTORE
  ? await openKeyring({ init: false, refreshIntervalMs: 0 })
  : undefined
const fieldseal = createFieldseal({
  ...(keyring ? { keyring } : {}),
  fields: ['ssn', 'card', 'email'],
})

const records = () => sealedCustomers(fieldseal, count)

const out = outPath === undefined ? process.stdout : createWriteStream(outPath, { mode: 0o600 })
await writeNdjson(out, records())
if (out !== process.stdout) {
  out.end()
  await finished(out)
}
await keyring?.close()
