/**
 * The NDJSON input of `usage` and `reencrypt`: a file, or `-` for stdin. It counts the bytes of
 * the records handed out so far and knows the total when the input is a file (also a file
 * redirected to stdin), which is what the progress bar's percentage and ETA rest on.
 *
 * @module
 */
import { createReadStream, fstat, type Stats } from 'node:fs'
import { stat } from 'node:fs/promises'
import { promisify } from 'node:util'
import { readNdjson } from '../migrate/ndjson.js'
import type { CommandContext } from './command.js'

/** An opened input. */
export interface NdjsonInput {
  /** The path, or `stdin`. */
  readonly label: string
  /** Size in bytes, when the input is a regular file. */
  readonly totalBytes: number | undefined
  /**
   * No later than when the data was read: the file's creation time (an export written earlier),
   * the moment it was opened for a pipe; `null` for a file whose creation time is not kept.
   */
  readonly dataSince: Date | null
  /** Bytes of input up to the end of the last record handed out (not what was read ahead). */
  bytesRead(): number
  /** The parsed records, in order. */
  records(): AsyncGenerator<unknown, void, undefined>
}

const fstatFd = promisify(fstat)

async function stdinInfo(fd: number | undefined): Promise<Stats | undefined> {
  if (fd === undefined) return undefined
  try {
    return await fstatFd(fd)
  } catch {
    return undefined
  }
}

/** A file was written no earlier than its creation (birth) time; a pipe is read from now on. */
function dataSince(info: Stats | undefined, opened: Date): Date | null {
  if (info === undefined || !info.isFile()) return opened
  return info.birthtimeMs > 0 ? info.birthtime : null
}

/**
 * Opens `path` (`-` = stdin). A missing file fails here, before any key or output is touched.
 *
 * @example
 * ```ts
 * const input = await openInput(context, 'customers.ndjson')
 * for await (const record of input.records()) count++
 * ```
 */
export async function openInput(context: CommandContext, path: string): Promise<NdjsonInput> {
  let bytes = 0
  const opened = new Date()
  let info: Stats | undefined
  let open: () => AsyncIterable<string | Uint8Array>
  if (path === '-') {
    info = await stdinInfo(context.io.stdin.fd)
    open = () => context.io.stdin as AsyncIterable<Uint8Array>
  } else {
    info = await stat(path)
    open = () => createReadStream(path, { highWaterMark: 1024 * 1024 })
  }
  const totalBytes = info?.isFile() === true ? info.size : undefined
  // One line per piece: the parser has taken exactly the pieces up to the record it yields, so
  // `bytes` ends at that record, however far ahead the stream read (a small file in one chunk).
  async function* counted(): AsyncGenerator<string | Uint8Array> {
    for await (const chunk of open()) {
      if (typeof chunk === 'string') {
        bytes += Buffer.byteLength(chunk)
        yield chunk
        continue
      }
      let start = 0
      let end: number
      while ((end = chunk.indexOf(10, start)) !== -1) {
        bytes += end + 1 - start
        yield chunk.subarray(start, end + 1)
        start = end + 1
      }
      if (start < chunk.length) {
        bytes += chunk.length - start
        yield chunk.subarray(start)
      }
    }
  }
  return {
    label: path === '-' ? 'stdin' : path,
    totalBytes,
    dataSince: dataSince(info, opened),
    bytesRead: () => bytes,
    async *records() {
      for await (const { value } of readNdjson(counted())) yield value
    },
  }
}
