/**
 * A progress bar on stderr for long runs (`usage`, `reencrypt`). Shown when stderr is a
 * terminal, or when `--progress` forces it (then, off a terminal, as one line per second);
 * `--no-progress` turns it off. It shows counts and rates only, never data.
 *
 * @module
 */
import type { OutStream } from './output.js'

/** Options of {@link ProgressBar}. */
export interface ProgressOptions {
  /** Word in front of the bar, e.g. `reencrypt`. */
  readonly label: string
  /** Bytes of input in all, when known (a file), for a percentage and an ETA. */
  readonly totalBytes?: number | undefined
  /** Clock in ms, for tests. Defaults to `Date.now`. */
  readonly now?: () => number
}

const BAR_WIDTH = 24
const TTY_INTERVAL_MS = 100
const LINE_INTERVAL_MS = 1_000

/**
 * Whether to show progress: `--progress` forces it, `--no-progress` turns it off, otherwise only
 * when `stream` is a terminal.
 *
 * @example
 * ```ts
 * progressWanted({ progress: false, noProgress: false }, process.stderr) // process.stderr.isTTY
 * ```
 */
export function progressWanted(
  flags: { readonly progress: boolean; readonly noProgress: boolean },
  stream: OutStream,
): boolean {
  if (flags.noProgress) return false
  return flags.progress || stream.isTTY === true
}

function grouped(n: number): string {
  return Math.round(n)
    .toString()
    .replace(/\B(?=(\d{3})+(?!\d))/g, ',')
}

function clock(seconds: number): string {
  const s = Math.max(0, Math.round(seconds))
  const h = Math.floor(s / 3600)
  const m = Math.floor((s % 3600) / 60)
  const pad = (n: number) => String(n).padStart(2, '0')
  return h > 0 ? `${h}:${pad(m)}:${pad(s % 60)}` : `${m}:${pad(s % 60)}`
}

/**
 * A throttled progress display. Call {@link ProgressBar.update} as often as you like.
 *
 * @example
 * ```ts
 * const bar = new ProgressBar(process.stderr, { label: 'reencrypt', totalBytes: size })
 * bar.update(records, bytesRead)
 * bar.done()
 * ```
 */
export class ProgressBar {
  readonly #stream: OutStream
  readonly #label: string
  readonly #total: number | undefined
  readonly #now: () => number
  readonly #tty: boolean
  readonly #started: number
  #shownAt = -Infinity
  #records = 0
  #bytes = 0
  #drawn = false

  constructor(stream: OutStream, options: ProgressOptions) {
    this.#stream = stream
    this.#label = options.label
    this.#total =
      options.totalBytes !== undefined && options.totalBytes > 0 ? options.totalBytes : undefined
    this.#now = options.now ?? Date.now
    this.#tty = stream.isTTY === true
    this.#started = this.#now()
  }

  /** Records and input bytes handled so far; redraws at most every 100 ms (1 s off a terminal). */
  update(records: number, bytes = 0): void {
    this.#records = records
    this.#bytes = bytes
    const now = this.#now()
    if (now - this.#shownAt < (this.#tty ? TTY_INTERVAL_MS : LINE_INTERVAL_MS)) return
    this.#shownAt = now
    this.#draw(now)
  }

  /** Shows the final state; on a terminal, clears the bar so the summary stands alone. */
  done(): void {
    if (this.#tty) {
      if (this.#drawn) this.#stream.write('\r\x1b[K')
      return
    }
    this.#draw(this.#now())
  }

  /** The text of the bar at `now`. */
  render(now = this.#now()): string {
    const seconds = Math.max((now - this.#started) / 1000, 0.001)
    const rate = this.#records / seconds
    const parts = [this.#label]
    if (this.#total !== undefined) {
      const share = Math.min(1, this.#bytes / this.#total)
      const filled = Math.round(share * BAR_WIDTH)
      parts.push(`[${'#'.repeat(filled)}${'-'.repeat(BAR_WIDTH - filled)}]`)
      parts.push(`${String(Math.floor(share * 100)).padStart(3)}%`)
    }
    // A rate or an ETA over the first instants says nothing (1 record in 1 ms is not 1000/s).
    const early = seconds < 1
    parts.push(`${grouped(this.#records)} records`, early ? '-/s' : `${grouped(rate)}/s`)
    if (this.#total !== undefined && this.#bytes < this.#total) {
      const eta = ((this.#total - this.#bytes) / this.#bytes) * seconds
      parts.push(early || this.#bytes === 0 ? 'ETA -:--' : `ETA ${clock(eta)}`)
    } else {
      parts.push(clock(seconds))
    }
    return parts.join('  ')
  }

  #draw(now: number): void {
    const text = this.render(now)
    if (this.#tty) {
      // Some terminals (and pseudo-terminals of CI runners) report 0 columns: assume 80.
      const columns = this.#stream.columns
      const width = columns !== undefined && columns >= 20 ? columns : 80
      this.#stream.write(`\r${text.slice(0, width - 1)}\x1b[K`)
    } else {
      this.#stream.write(`${text}\n`)
    }
    this.#drawn = true
  }
}
