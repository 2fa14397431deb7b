/**
 * `fieldseal usage`: how many values of an NDJSON data set each key id protects, read from the
 * key ids in the values — nothing is decrypted, so no key is needed. With a key store (or
 * `FIELDSEAL_KEYS`) each key id is shown with its status. `--json` prints a report that
 * `keys retire --usage` accepts.
 *
 * @module
 */
import { AesGcmCipher } from '../crypto/aes-gcm.js'
import { createFieldseal } from '../core/fieldseal.js'
import { keyUsage } from '../migrate/key-usage.js'
import type { Command } from './command.js'
import { NO_NAME_POLICY, openDataKeys } from './data-keys.js'
import { DATA_FLAGS, fieldsFlag, progressFor } from './data-flags.js'
import { EXIT_OK, InterruptedError } from './exit-codes.js'
import { openInput } from './ndjson-input.js'
import { table } from './output.js'

/** `fieldseal usage`. */
export const usage: Command = {
  name: 'usage',
  summary: 'count the encrypted values per key id in an NDJSON file (nothing is decrypted)',
  usage: 'FILE|- [--fields a,b.c] [--json]',
  args: [1, 1],
  flags: { ...DATA_FLAGS },
  description:
    'Reads one JSON record per line from FILE, or stdin with "-". Reports values per key id, ' +
    'legacy values (no key id), plaintext in --fields, and malformed enc: values. A key is safe ' +
    'to retire once no data set shows a value under it: save the --json report and pass it to ' +
    '"fieldseal keys retire ID --usage FILE.json".',
  examples: [
    'fieldseal usage customers.ndjson',
    'psql -Atc "select row_to_json(c) from customers c" | fieldseal usage - --json > usage.json',
  ],
  async run(context) {
    const path = context.args[0] as string
    const fields = fieldsFlag(context)
    const input = await openInput(context, path)
    const keys = await openDataKeys(context, false)
    try {
      // Counting reads key ids only: a throwaway key satisfies the instance, nothing decrypts.
      const fieldseal = createFieldseal({
        keys: [AesGcmCipher.generateKey()],
        policy: NO_NAME_POLICY,
      })
      const bar = progressFor(context, 'usage', input)
      let count = 0
      async function* counted(): AsyncGenerator<unknown> {
        for await (const record of input.records()) {
          if (context.interrupted()) throw new InterruptedError()
          count++
          bar?.update(count, input.bytesRead())
          yield record
        }
      }
      // The report says when its data was read, which is what a retirement checks.
      const report = await keyUsage(fieldseal, counted(), {
        ...(fields === undefined ? {} : { fields }),
        startedAt: input.dataSince,
      })
      bar?.done()
      const activeKid = keys?.activeKid() ?? null
      const statuses = Object.fromEntries(
        Object.keys(report.byKid).map((kid) => [kid, keys?.status(kid) ?? 'unknown']),
      )
      const value = {
        input: input.label,
        ...report,
        byKid: { ...report.byKid },
        activeKid,
        keys: statuses,
      }
      context.out.result(value, () => {
        const lines = [`${report.records} record(s), ${report.total} value(s) in ${input.label}`]
        const rows = Object.entries(report.byKid)
          .sort(([, a], [, b]) => b - a)
          .map(([kid, n]) => [
            kid,
            String(n),
            keys === undefined ? '' : (statuses[kid] ?? 'unknown'),
          ])
        if (rows.length > 0)
          lines.push(
            '',
            table(['KEY ID', 'VALUES', keys === undefined ? '' : 'STATUS'], rows).trimEnd(),
          )
        for (const [name, n] of [
          ['legacy (no key id)', report.legacy],
          ['plaintext in --fields', report.plaintext],
          ['malformed', report.malformed],
        ] as const) {
          if (n > 0) lines.push(`${name}: ${n}`)
        }
        const behind = rows.filter(([kid]) => activeKid !== null && kid !== activeKid).length
        if (behind > 0 || report.legacy > 0)
          lines.push('', 'values not on the active key: run "fieldseal reencrypt"')
        return `${lines.join('\n')}\n`
      })
      return EXIT_OK
    } finally {
      await keys?.close()
    }
  },
}
