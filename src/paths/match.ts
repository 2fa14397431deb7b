/**
 * Where a walk stands: the match handed to a visitor, and the chain of steps its printable path
 * is built from — only when asked for, so a walk allocates one small object per visited value.
 *
 * @module
 */
import { appendPath } from './parse.js'

/** Where a visited value sits. `path()` is built only when asked for. */
export interface Match<T> {
  /** What the first matching path was compiled with. */
  readonly data: T
  /** Nearest object key above the value (`card` for `items[2].card`); `''` at the top. */
  readonly name: string
  /** The last step to the value: its key in an object, its index in an array. */
  readonly step: string | number | undefined
  /** Printable path of the value, e.g. `items[2].card`. */
  path(): string
  /** Inside a subtree a visitor asked to mark (`Subtree` in src/paths/walk.ts). */
  readonly marked: boolean
}

/** The steps to a container, innermost last, shared by the values below it. */
export interface Chain {
  readonly parent: Chain | undefined
  readonly step: string | number
}

/** Printable path of a chain, e.g. `items[2]`. */
export function printChain(chain: Chain | undefined): string {
  if (chain === undefined) return ''
  return appendPath(printChain(chain.parent), chain.step)
}

/** One allocation per visited value; the printable path is built only when asked for. */
export class WalkMatch<T> implements Match<T> {
  readonly data: T
  readonly name: string
  readonly step: string | number | undefined
  readonly marked: boolean
  readonly #parent: Chain | undefined

  constructor(
    data: T,
    name: string,
    parent: Chain | undefined,
    step: string | number | undefined,
    marked: boolean,
  ) {
    this.data = data
    this.name = name
    this.step = step
    this.marked = marked
    this.#parent = parent
  }

  path(): string {
    return this.step === undefined ? '' : appendPath(printChain(this.#parent), this.step)
  }
}
