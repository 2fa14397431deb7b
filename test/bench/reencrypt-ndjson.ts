/**
 * Re-encrypting 100 000 NDJSON records (3 encrypted fields each: ssn, card, email) from a file to
 * a file, as `fieldseal reencrypt` does: readNdjson → reencryptRecords → writeNdjson.
 *
 *     npx tsx test/bench/reencrypt-ndjson.ts [records=100000]
 *
 * The input is written first (encrypted under key A), untimed; then the timed run re-encrypts it
 * with keys [B, A]; finally the output is checked with key B alone (every value on B).
 *
 * @module
 */
import { createReadStream, createWriteStream } from 'node:fs'
import { mkdtemp, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { finished } from 'node:stream/promises'
import { AesGcmCipher } from '../../src/crypto/aes-gcm.js'
import { createFieldseal } from '../../src/core/fieldseal.js'
import { keyUsage } from '../../src/migrate/key-usage.js'
import { readNdjson, writeNdjson } from '../../src/migrate/ndjson.js'
import { reencryptRecords } from '../../src/migrate/reencrypt-batch.js'
import { sealedCustomers } from './customer-records.js'

const COUNT = Number(process.argv[2] ?? 100_000)
const FIELDS = ['ssn', 'card', 'email']
const A = AesGcmCipher.generateKey()
const B = AesGcmCipher.generateKey()
const fsA = createFieldseal({ keys: [A], fields: FIELDS })
const fsBA = createFieldseal({ keys: [B, A], fields: FIELDS })
const fsB = createFieldseal({ keys: [B], fields: FIELDS })

async function* values(path: string): AsyncGenerator<unknown> {
  for await (const { value } of readNdjson(createReadStream(path))) yield value
}

async function* recordsOf<T>(results: AsyncIterable<{ record: T }>): AsyncGenerator<T> {
  for await (const { record } of results) yield record
}

async function writeFile(
  path: string,
  records: AsyncIterable<unknown> | Iterable<unknown>,
): Promise<number> {
  const out = createWriteStream(path)
  const count = await writeNdjson(out, records)
  out.end()
  await finished(out)
  return count
}

const source = () => sealedCustomers(fsA, COUNT)

const dir = await mkdtemp(join(tmpdir(), 'fieldseal-bench-'))
try {
  const input = join(dir, 'in.ndjson')
  const output = join(dir, 'out.ndjson')
  await writeFile(input, source())
  const size = (await stat(input)).size

  let last = { processed: 0, changed: 0, failed: 0 }
  const started = process.hrtime.bigint()
  const written = await writeFile(
    output,
    recordsOf(reencryptRecords(fsBA, values(input), { onProgress: (p) => (last = p) })),
  )
  const ms = Number(process.hrtime.bigint() - started) / 1e6

  const usage = await keyUsage(fsB, values(output))
  const onB = usage.byKid[fsB.keySource.encryptionKey().kid] ?? 0
  if (
    written !== COUNT ||
    last.changed !== COUNT ||
    onB !== COUNT * FIELDS.length ||
    usage.total !== onB
  ) {
    throw new Error(
      `check failed: written ${written}, changed ${last.changed}, values on B ${onB}/${usage.total}`,
    )
  }
  console.log(
    `re-encrypted ${COUNT} records (${COUNT * FIELDS.length} values, ${(size / 1e6).toFixed(1)} MB) ` +
      `file to file in ${ms.toFixed(0)} ms: ${Math.round(COUNT / (ms / 1000))} records/s, ` +
      `${Math.round((COUNT * FIELDS.length) / (ms / 1000))} values/s (node ${process.version})`,
  )
} finally {
  await rm(dir, { recursive: true, force: true })
}
