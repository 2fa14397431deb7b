/**
 * Where `reencrypt` writes: stdout, or `--out FILE` (mode 0600). A file run can be continued:
 * `--start-after N` keeps the first N records of FILE and appends the rest; `--resume` takes N
 * from FILE itself (its complete lines), so a run stopped anyhow — Ctrl-C, a crash, a full disk
 * — picks up exactly where its output ends, a torn last line dropped.
 *
 * @module
 */
import { createReadStream, createWriteStream } from 'node:fs'
import { open, realpath, stat, truncate } from 'node:fs/promises'
import { resolve } from 'node:path'
import { finished } from 'node:stream/promises'
import { FieldsealError } from '../errors.js'
import type { CommandContext } from './command.js'
import { UsageError } from './exit-codes.js'

/** An opened output. */
export interface NdjsonOutput {
  readonly sink: NodeJS.WritableStream
  /** The path, or `stdout`. */
  readonly label: string
  /** Records of the input already in the output: skip them. */
  readonly startAfter: number
  /** Flushes and (for a file) ends and fsyncs the output. */
  close(): Promise<void>
}

/** How the output continues an earlier run. */
export interface ContinueOptions {
  readonly resume: boolean
  readonly startAfter: number | undefined
  /** Overwrite an existing, non-empty output. */
  readonly force: boolean
}

/** Offset just after the `limit`-th line end (or after the last one), and lines counted. */
async function lineEnds(path: string, limit: number): Promise<{ lines: number; offset: number }> {
  let lines = 0
  let offset = 0
  let position = 0
  for await (const chunk of createReadStream(path, {
    highWaterMark: 1024 * 1024,
  }) as AsyncIterable<Buffer>) {
    let at = -1
    while (lines < limit && (at = chunk.indexOf(10, at + 1)) !== -1) {
      lines++
      offset = position + at + 1
    }
    if (lines >= limit) break
    position += chunk.length
  }
  return { lines, offset }
}

async function exists(path: string): Promise<{ size: number } | undefined> {
  try {
    return await stat(path)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw error
  }
}

async function samePath(a: string, b: string): Promise<boolean> {
  const real = async (path: string) => realpath(path).catch(() => resolve(path))
  return (await real(a)) === (await real(b))
}

async function fsync(path: string): Promise<void> {
  const handle = await open(path, 'r+')
  try {
    await handle.sync()
  } finally {
    await handle.close()
  }
}

/**
 * Opens the output of `reencrypt`, truncating a continued file to the records it keeps.
 *
 * @example
 * ```ts
 * const output = await openOutput(context, 'out.ndjson', 'in.ndjson', { resume: true, startAfter: undefined, force: false })
 * ```
 */
export async function openOutput(
  context: CommandContext,
  path: string | undefined,
  inputPath: string,
  options: ContinueOptions,
): Promise<NdjsonOutput> {
  if (path === undefined || path === '-') {
    if (options.resume) throw new UsageError('--resume needs --out FILE', context.command)
    const stdout = context.io.stdout
    return {
      sink: stdout,
      label: 'stdout',
      startAfter: options.startAfter ?? 0,
      close: async () => undefined,
    }
  }
  if (inputPath !== '-' && (await samePath(path, inputPath))) {
    throw new UsageError('--out must not be the input file', context.command)
  }
  const current = await exists(path)
  let startAfter = 0
  if (options.resume || options.startAfter !== undefined) {
    const wanted = options.resume ? Number.MAX_SAFE_INTEGER : (options.startAfter as number)
    const { lines, offset } =
      current === undefined ? { lines: 0, offset: 0 } : await lineEnds(path, wanted)
    if (!options.resume && lines < wanted) {
      throw new FieldsealError(
        'ERR_FIELDSEAL_INVALID_NDJSON',
        `${path} holds ${lines} complete record(s), fewer than --start-after ${wanted}; use --resume`,
      )
    }
    startAfter = options.resume ? lines : wanted
    if (current !== undefined && current.size !== offset) await truncate(path, offset)
  } else if (current !== undefined && current.size > 0 && !options.force) {
    throw new UsageError(
      `${path} exists: pass --force to overwrite it, or --resume to continue it`,
      context.command,
    )
  }
  const append = options.resume || options.startAfter !== undefined
  const sink = createWriteStream(path, { flags: append ? 'a' : 'w', mode: 0o600 })
  await new Promise<void>((done, fail) => {
    sink.once('open', () => done())
    sink.once('error', fail)
  })
  return {
    sink,
    label: path,
    startAfter,
    async close() {
      sink.end()
      await finished(sink)
      await fsync(path)
    },
  }
}
