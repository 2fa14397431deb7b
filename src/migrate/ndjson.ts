/**
 * Newline-delimited JSON (one JSON value per line), read and written as streams, for the CLI's
 * `usage` and `reencrypt` commands and for scripts that move records through fieldseal.
 *
 * A line that is not JSON is an `ERR_FIELDSEAL_INVALID_NDJSON` naming its line number, never its
 * content: the content is likely the very data fieldseal protects.
 *
 * @module
 */
import { FieldsealError } from '../errors.js'
import { assertRecordSource, type RecordSource } from './key-usage.js'
import {
  optionNames,
  optionsObject,
  positiveInteger,
  rejectUnknownOptions,
} from '../util/option-checks.js'

/** One parsed line. */
export interface NdjsonLine {
  /** Line number in the input, from 1. */
  readonly line: number
  readonly value: unknown
}

/** Options of {@link readNdjson}. */
export interface ReadNdjsonOptions {
  /** Longest line accepted, in UTF-16 code units. Defaults to 16 MiB (`16_777_216`). */
  readonly maxLineLength?: number
}

/** A text or byte stream: a `Readable` (`fs.createReadStream`, `process.stdin`), or any async iterable. */
export type NdjsonSource = AsyncIterable<string | Uint8Array> | Iterable<string | Uint8Array>

const WHERE = 'readNdjson'
const KNOWN = optionNames<ReadNdjsonOptions>({ maxLineLength: true })
const DEFAULT_MAX_LINE = 16 * 1024 * 1024
const WRITE_CHUNK = 64 * 1024
const BLANK = /^\s*$/

function invalid(message: string): FieldsealError {
  return new FieldsealError('ERR_FIELDSEAL_INVALID_NDJSON', message)
}

function parseLine(text: string, line: number): NdjsonLine {
  try {
    return { line, value: JSON.parse(text) }
  } catch {
    // The parser's message quotes the line, so it is not kept as the cause.
    throw invalid(`line ${line} is not valid JSON`)
  }
}

/**
 * Parses NDJSON from a stream, yielding each value with its line number. Blank lines are skipped
 * (they still count as lines); `\r\n` line ends and a leading byte order mark are accepted.
 * Invalid JSON, invalid UTF-8 or an over-long line throw `ERR_FIELDSEAL_INVALID_NDJSON`.
 *
 * @example
 * ```ts
 * import { createReadStream } from 'node:fs'
 *
 * for await (const { line, value } of readNdjson(createReadStream('customers.ndjson'))) {
 *   console.log(line, Object.keys(value as object))
 * }
 * ```
 */
export function readNdjson(
  source: NdjsonSource,
  options?: Readonly<ReadNdjsonOptions>,
): AsyncGenerator<NdjsonLine, void, undefined> {
  assertRecordSource(source, WHERE)
  const defined = optionsObject(options, WHERE)
  rejectUnknownOptions(defined, KNOWN, WHERE)
  return lines(
    source,
    positiveInteger(defined.maxLineLength, DEFAULT_MAX_LINE, 'maxLineLength', WHERE),
  )
}

async function* lines(
  source: NdjsonSource,
  maxLineLength: number,
): AsyncGenerator<NdjsonLine, void, undefined> {
  const decoder = new TextDecoder('utf-8', { fatal: true })
  let pending = ''
  let line = 0
  let first = true
  const decode = (chunk: Uint8Array, stream: boolean): string => {
    try {
      return decoder.decode(chunk, { stream })
    } catch {
      throw invalid(`line ${line + 1} is not valid UTF-8`)
    }
  }
  const take = (text: string): NdjsonLine | undefined => {
    line++
    return BLANK.test(text) ? undefined : parseLine(text, line)
  }

  for await (const chunk of source) {
    let text: string
    if (typeof chunk === 'string')
      text = first && chunk.startsWith('\uFEFF') ? chunk.slice(1) : chunk
    else if (chunk instanceof Uint8Array) text = decode(chunk, true)
    else throw new TypeError(`${WHERE}: the stream must yield strings or bytes`)
    first = false
    // Scan only the new text for line ends, so a long line in many chunks stays linear.
    let searchFrom = pending.length
    pending += text
    let start = 0
    let end: number
    while ((end = pending.indexOf('\n', searchFrom)) !== -1) {
      if (end - start > maxLineLength)
        throw invalid(`line ${line + 1} is longer than ${maxLineLength}`)
      const parsed = take(pending.slice(start, end))
      if (parsed !== undefined) yield parsed
      start = searchFrom = end + 1
    }
    pending = pending.slice(start)
    if (pending.length > maxLineLength)
      throw invalid(`line ${line + 1} is longer than ${maxLineLength}`)
  }
  pending += decode(new Uint8Array(0), false)
  if (pending.length > 0) {
    const parsed = take(pending)
    if (parsed !== undefined) yield parsed
  }
}

/** Where {@link writeNdjson} writes: a `Writable` such as `fs.createWriteStream` or `process.stdout`. */
export type NdjsonSink = NodeJS.WritableStream

/** Resolves on `drain`; rejects on `error`, or on `close` (a drain that will never come). */
function drained(sink: NdjsonSink): Promise<void> {
  return new Promise((resolve, reject) => {
    const settle = (error?: unknown) => {
      sink.off('drain', onDrain)
      sink.off('error', onError)
      sink.off('close', onClose)
      if (error === undefined) resolve()
      else reject(error)
    }
    const onDrain = () => settle()
    const onError = (error: unknown) => settle(error)
    const onClose = () =>
      settle(new Error('writeNdjson: the stream closed before every record was written'))
    sink.on('drain', onDrain)
    sink.on('error', onError)
    sink.on('close', onClose)
  })
}

function serialize(record: unknown, index: number): string {
  let text: string | undefined
  try {
    text = JSON.stringify(record)
  } catch {
    text = undefined
  }
  if (text === undefined) {
    throw new FieldsealError(
      'ERR_FIELDSEAL_UNSUPPORTED_VALUE',
      `record ${index} cannot be written as JSON`,
    )
  }
  return text
}

/**
 * Writes each record as one line of JSON, waiting when the stream asks to (`drain`). Resolves to
 * the number of lines written; does not end the stream. A record JSON cannot represent (a
 * `BigInt`, a cycle, `undefined`) throws `ERR_FIELDSEAL_UNSUPPORTED_VALUE` before it is written;
 * the records before it, and those taken before a failing source threw, are still written.
 *
 * @example
 * ```ts
 * import { createWriteStream } from 'node:fs'
 *
 * const out = createWriteStream('out.ndjson')
 * await writeNdjson(out, [{ id: 1 }, { id: 2 }]) // 2
 * out.end()
 * ```
 */
export async function writeNdjson(
  sink: NdjsonSink,
  records: RecordSource<unknown>,
): Promise<number> {
  if (typeof sink?.write !== 'function' || typeof sink.on !== 'function') {
    throw new TypeError('writeNdjson: sink must be a writable stream')
  }
  assertRecordSource(records, 'writeNdjson')
  let buffer = ''
  let count = 0
  const flush = async () => {
    const chunk = buffer
    buffer = ''
    if (!sink.write(chunk)) await drained(sink)
  }
  try {
    for await (const record of records) {
      buffer += `${serialize(record, count)}\n`
      count++
      if (buffer.length >= WRITE_CHUNK) await flush()
    }
  } finally {
    // Records already taken from the source are written even when the source or a record
    // fails: a resumed run counts the lines in the output, so none may be held back.
    if (buffer.length > 0) await flush()
  }
  return count
}
