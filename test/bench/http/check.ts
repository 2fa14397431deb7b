/**
 * What each bench server must answer before it is measured, or its numbers mean nothing. Above
 * all the floor: its responses must equal fieldseal's byte for byte, and what it stores must be
 * fieldseal's record with other random parts — same keys in the same order, the same `enc:v1:`
 * header and length, and values fieldseal opens to the plaintext — so that no floor doing less
 * work than fieldseal can pass.
 *
 * @module
 */
import { deepStrictEqual, equal, ok } from 'node:assert/strict'
import type { Fieldseal } from '../../../src/core/fieldseal.js'
import type { Child, Mode } from './child.js'
import { SENSITIVE } from './naive.js'

type Record_ = Record<string, unknown>

/** One request and what came of it. */
export interface Answer {
  readonly status: number
  readonly type: string | null
  /** The response body as sent. */
  readonly text: string
  /** The record the server stored for it. */
  readonly stored: Record_
}

/** Sends `body` once and reads the response and the stored record. */
export async function ask(child: Child, body: string): Promise<Answer> {
  const response = await fetch(child.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
  })
  const text = await response.text()
  const { stored } = await child.sample()
  return {
    status: response.status,
    type: response.headers.get('content-type'),
    text,
    stored: stored as Record_,
  }
}

const MASKED: Record_ = {
  ssn: '*******1120',
  card_number: '************1111',
  bank_account_number: '********6789',
}

/** The part of a v1 value before its payload: `enc:v1:<kid>:`. */
const headerOf = (value: string) => value.slice(0, value.lastIndexOf(':') + 1)

/** Checks a fieldseal-sealed record against the plaintext; `like` adds the floor's checks. */
function checkStored(stored: Record_, plaintext: Record_, opener: Fieldseal, like?: Record_) {
  deepStrictEqual(Object.keys(stored), Object.keys(like ?? plaintext), 'stored keys')
  for (const [field, value] of Object.entries(stored)) {
    if (!(SENSITIVE as readonly string[]).includes(field)) {
      equal(value, plaintext[field], `stored ${field}`)
      continue
    }
    ok(typeof value === 'string' && value.startsWith('enc:v1:'), `stored ${field} is v1`)
    equal(opener.decryptField(value, { context: field }), plaintext[field], `${field} opens`)
    if (like === undefined) continue
    const reference = like[field] as string
    equal(headerOf(value), headerOf(reference), `stored ${field}: key id`)
    equal(value.length, reference.length, `stored ${field}: length`)
  }
}

/**
 * Throws (node:assert) when `answer` is not what `mode` must give for the request body `sent`,
 * whose values are `plaintext` once opened. `reference` is fieldseal's answer to the same
 * request, which the floor must match.
 */
export function checkAnswer(
  mode: Mode,
  answer: Answer,
  request: { readonly sent: Record_; readonly plaintext: Record_ },
  opener: Fieldseal,
  reference: Answer | undefined,
): void {
  const { sent, plaintext } = request
  equal(answer.status, 201, `${mode}: status`)
  const echoed = JSON.parse(answer.text) as Record_
  switch (mode) {
    case 'plain':
      deepStrictEqual(answer.stored, sent, 'plain: stored')
      deepStrictEqual(echoed, sent, 'plain: response')
      return
    case 'naive':
      deepStrictEqual(echoed, { ...plaintext, ...MASKED }, 'naive: response')
      for (const field of SENSITIVE) ok(String(answer.stored[field]).startsWith('enc:'), field)
      return
    case 'fieldseal':
      deepStrictEqual(echoed, { ...plaintext, ...MASKED }, 'fieldseal: response')
      checkStored(answer.stored, plaintext, opener)
      return
    case 'floor':
      if (reference === undefined) throw new Error('the floor is checked against fieldseal')
      equal(answer.text, reference.text, 'floor: response bytes')
      equal(answer.type, reference.type, 'floor: content type')
      checkStored(answer.stored, plaintext, opener, reference.stored)
  }
}
