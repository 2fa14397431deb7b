import { readFileSync } from 'node:fs'

/** Reads a JSON fixture from test/fixtures (copied from shared/vectors, `source` fields kept). */
export function fixture<T = any>(name: string): T {
  return JSON.parse(readFileSync(new URL(`../fixtures/${name}`, import.meta.url), 'utf8')) as T
}

export const hex = (text: string) => Buffer.from(text, 'hex')
export const b64 = (text: string) => Buffer.from(text, 'base64')
