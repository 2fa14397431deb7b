/**
 * `fieldseal reencrypt`: moves every value of an NDJSON data set to the active data key (legacy
 * values become v1), record by record, writing every record — re-encrypted, or unchanged with
 * its failure reported. Plaintext never leaves the library call. Stoppable (Ctrl-C) and
 * resumable (`--resume`, `--start-after N`).
 *
 * @module
 */
import { FieldsealError } from '../errors.js'
import { createFieldseal } from '../core/fieldseal.js'
import { writeNdjson } from '../migrate/ndjson.js'
import { reencryptRecords } from '../migrate/reencrypt-batch.js'
import { booleanFlag, numberFlag, stringFlag, type Command } from './command.js'
import { NO_NAME_POLICY, openDataKeys } from './data-keys.js'
import { DATA_FLAGS, fieldsFlag, progressFor } from './data-flags.js'
import { EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK, UsageError } from './exit-codes.js'
import { openInput } from './ndjson-input.js'
import { openOutput } from './ndjson-output.js'
import {
  failureOf,
  MAX_LISTED_FAILURES,
  summaryText,
  type RecordFailure,
  type ReencryptSummary,
} from './reencrypt-summary.js'

/** `fieldseal reencrypt`. */
export const reencrypt: Command = {
  name: 'reencrypt',
  summary: 'move every value of an NDJSON file to the active data key',
  usage: 'FILE|- [--out FILE] [--fields a,b.c] [--resume | --start-after N] [--stop-on-error]',
  args: [1, 1],
  flags: {
    out: 'write the records to FILE (mode 0600) instead of stdout',
    force: 'overwrite an existing --out FILE',
    resume: 'continue an earlier run: keep the complete records already in --out FILE',
    'start-after':
      'skip the first N input records (a checkpoint); with --out, keep N records of FILE',
    'stop-on-error':
      'stop at the first record that cannot be re-encrypted (default: keep it unchanged, go on)',
    ...DATA_FLAGS,
  },
  description:
    'Reads one JSON record per line from FILE, or stdin with "-", and writes each record, in ' +
    'order, with its values sealed under the active data key. A record with a value that cannot ' +
    'be opened (unknown or retired key, tampering, plaintext in --fields) is written unchanged ' +
    'and listed on stderr; the exit code is then 1. Ctrl-C stops cleanly at a record boundary ' +
    'and prints the command that resumes. With output on stdout, the summary goes to stderr.',
  examples: [
    'fieldseal reencrypt customers.ndjson --out customers.v2.ndjson',
    'fieldseal reencrypt customers.ndjson --out customers.v2.ndjson --resume',
    'fieldseal usage customers.v2.ndjson   # every value on the active key now',
  ],
  async run(context) {
    const path = context.args[0] as string
    const resume = booleanFlag(context, 'resume')
    const startFlag = numberFlag(context, 'start-after', { min: 0, integer: true })
    if (resume && startFlag !== undefined) {
      throw new UsageError('give --resume or --start-after, not both', context.command)
    }
    const stopOnError = booleanFlag(context, 'stop-on-error')
    const fields = fieldsFlag(context)
    const input = await openInput(context, path)
    const keys = await openDataKeys(context, true)
    try {
      const fieldseal = createFieldseal({ keyring: keys.source, policy: NO_NAME_POLICY })
      const activeKid = keys.activeKid() ?? null
      const output = await openOutput(context, stringFlag(context, 'out'), path, {
        resume,
        startAfter: startFlag,
        force: booleanFlag(context, 'force'),
      })
      const { startAfter } = output
      const bar = progressFor(context, 'reencrypt', input)
      const failures: RecordFailure[] = []
      const counts = { changed: 0, unchanged: 0, failed: 0 }
      let stoppedBy: string | null = null
      let fatal: unknown
      const batch = reencryptRecords(fieldseal, input.records(), {
        startAfter,
        ...(fields === undefined ? {} : { fields }),
      })
      async function* records(): AsyncGenerator<unknown> {
        try {
          for await (const result of batch) {
            if (context.interrupted()) {
              stoppedBy = 'interrupted'
              return
            }
            if (result.error !== undefined) {
              if (failures.length < MAX_LISTED_FAILURES)
                failures.push(failureOf(result.index, result.error))
              if (stopOnError) {
                stoppedBy = 'stop-on-error'
                counts.failed++
                return
              }
              counts.failed++
            } else if (result.changed) counts.changed++
            else counts.unchanged++
            bar?.update(result.index + 1, input.bytesRead())
            yield result.record
          }
        } catch (error) {
          // Keep what was processed: writeNdjson flushes it, the checkpoint stays exact.
          fatal = error
          stoppedBy = error instanceof FieldsealError ? error.code : 'error'
        }
      }
      let written: number
      try {
        written = await writeNdjson(output.sink, records())
      } finally {
        bar?.done()
        await output.close()
      }
      const summary: ReencryptSummary = {
        input: input.label,
        output: output.label,
        activeKid,
        startAfter,
        checkpoint: startAfter + written,
        written,
        // A record refused by --stop-on-error counts as failed, and is not written.
        ...counts,
        complete: stoppedBy === null,
        stoppedBy,
        failures,
      }
      const resumeHint =
        output.label === 'stdout'
          ? `fieldseal reencrypt ${path} --start-after ${summary.checkpoint} >> OUTPUT`
          : `fieldseal reencrypt ${path} --out ${output.label} --resume`
      context.out.result(summary, () => summaryText(summary, resumeHint), output.label === 'stdout')
      if (fatal !== undefined) throw fatal
      if (stoppedBy === 'interrupted') return EXIT_INTERRUPTED
      return summary.failed > 0 ? EXIT_FAILED : EXIT_OK
    } finally {
      await keys.close()
    }
  },
}
