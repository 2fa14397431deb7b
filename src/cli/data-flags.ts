/**
 * What `usage` and `reencrypt` share: their flags, the `--fields` list, and the progress bar.
 *
 * @module
 */
import { resolveFields } from '../core/options.js'
import { booleanFlag, listFlag, type CommandContext } from './command.js'
import { DATA_KEY_FLAGS } from './data-keys.js'
import type { NdjsonInput } from './ndjson-input.js'
import { ProgressBar, progressWanted } from './progress.js'

/** Help text of the flags `usage` and `reencrypt` share. */
export const DATA_FLAGS: Readonly<Record<string, string>> = {
  fields:
    'only these paths, comma-separated (e.g. ssn,cards[*].number); plaintext in them is reported. ' +
    'Default: every enc: value anywhere',
  progress: 'show the progress bar even when stderr is not a terminal',
  'no-progress': 'never show the progress bar',
  ...DATA_KEY_FLAGS,
}

/**
 * The `--fields` paths, checked (`ERR_FIELDSEAL_INVALID_PATH`, exit code 2), or `undefined`.
 *
 * @example
 * ```ts
 * fieldsFlag(context) // ['ssn', 'cards[*].number']
 * ```
 */
export function fieldsFlag(context: CommandContext): string[] | undefined {
  const fields = listFlag(context, 'fields')
  if (fields !== undefined) resolveFields(fields, '--fields')
  return fields
}

/**
 * A progress bar for `input` on stderr, or `undefined` when none is wanted.
 *
 * @example
 * ```ts
 * const bar = progressFor(context, 'usage', input)
 * bar?.update(records, input.bytesRead())
 * ```
 */
export function progressFor(
  context: CommandContext,
  label: string,
  input: NdjsonInput,
): ProgressBar | undefined {
  const wanted = progressWanted(
    { progress: booleanFlag(context, 'progress'), noProgress: booleanFlag(context, 'no-progress') },
    context.io.stderr,
  )
  return wanted
    ? new ProgressBar(context.io.stderr, { label, totalBytes: input.totalBytes })
    : undefined
}
