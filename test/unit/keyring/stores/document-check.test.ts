import { randomBytes } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { assertKeyringDocument } from '../../../../src/keyring/stores/document-check.js'
import type { LegacyMasterKeyInfo } from '../../../../src/keyring/types.js'
import { keyRecord, keyringDocument } from '../../../fixtures/keyring-document.js'
import { fixture } from '../../../helpers/fixtures.js'

const CORRUPT = { code: 'ERR_FIELDSEAL_STORE_CORRUPT' }
type Doc = Record<string, { [field: string]: unknown } | unknown> & { master: object }

function rejects(value: unknown): Error {
  try {
    assertKeyringDocument(value)
  } catch (error) {
    expect(error).toMatchObject(CORRUPT)
    return error as Error
  }
  throw new Error('expected assertKeyringDocument to throw')
}

describe('assertKeyringDocument', () => {
  it('returns a clean copy of a well-formed document', () => {
    const doc = keyringDocument(4, [
      keyRecord({ version: 1, status: 'retired', wrapped: null }),
      keyRecord({
        version: 2,
        status: 'pending_rotation',
        rotatedAt: '2025-02-01T00:00:00Z',
        rotatedBy: 'ops',
      }),
      keyRecord({ version: 3, status: 'active', expiresAt: null }),
      keyRecord({ type: 'signing', version: 1, status: 'active' }),
    ])
    const checked = assertKeyringDocument(JSON.parse(JSON.stringify(doc)))
    expect(checked).toEqual(doc)
    expect(checked).not.toBe(doc)
  })

  it('reads a format 1 document (fieldseal 0.1.0) as it is: no MAC, records without activeUntil', () => {
    const { document } = fixture<{ document: unknown }>('keyring-0.1.0.json')
    const checked = assertKeyringDocument(document)
    expect(checked).toEqual(document)
    expect(checked.formatVersion).toBe(1)
    const withField = structuredClone(document) as { keys: Array<Record<string, unknown>> }
    withField.keys[0]!.activeUntil = null
    rejects(withField)
  })

  it('accepts a passphrase master key with its salt and iterations', () => {
    const doc = {
      ...keyringDocument(1),
      master: { source: 'passphrase', salt: 'c2FsdA', iterations: 600000, check: 'x' },
    }
    expect((assertKeyringDocument(doc).master as LegacyMasterKeyInfo).iterations).toBe(600000)
  })

  it('accepts a format 3 master: a provider identity of plain fields and a check value', () => {
    const check = randomBytes(60).toString('base64url')
    const provider = {
      kind: 'aws-kms',
      keyId: 'alias/fieldseal',
      region: 'eu-west-1',
      n: 1,
      x: null,
    }
    const doc = { ...keyringDocument(1), formatVersion: 3, master: { provider, check } }
    expect(assertKeyringDocument(doc).master).toEqual({ provider, check })
    const passphrase = { kind: 'passphrase', salt: 'c2FsdA==', iterations: 600000 }
    expect(
      assertKeyringDocument({ ...doc, master: { provider: passphrase, check } }).formatVersion,
    ).toBe(3)
  })

  it.each([
    [
      'a format 2 master in a format 3 document',
      (d: Doc) => ({ ...d, master: keyringDocument(1).master }),
    ],
    [
      'an identity that is not an object',
      (d: Doc) => ({ ...d, master: { ...d.master, provider: 'env' } }),
    ],
    [
      'an identity without a kind',
      (d: Doc) => ({ ...d, master: { ...d.master, provider: { keyId: 'k' } } }),
    ],
    [
      'a kind that is no kind',
      (d: Doc) => ({ ...d, master: { ...d.master, provider: { kind: 'AWS KMS!' } } }),
    ],
    [
      'a nested identity field',
      (d: Doc) => ({ ...d, master: { ...d.master, provider: { kind: 'x', a: { b: 1 } } } }),
    ],
    [
      'a passphrase identity without salt',
      (d: Doc) => ({
        ...d,
        master: { ...d.master, provider: { kind: 'passphrase', iterations: 9 } },
      }),
    ],
    ['a check that is no wrap', (d: Doc) => ({ ...d, master: { ...d.master, check: 'x' } })],
    [
      'an identity field with a line break (it is shown in messages)',
      (d: Doc) => ({ ...d, master: { ...d.master, provider: { kind: 'x', a: 'ok\nFORGED' } } }),
    ],
  ])('refuses %s', (_label, edit) => {
    const doc: Doc = {
      ...keyringDocument(1),
      formatVersion: 3,
      master: { provider: { kind: 'env' }, check: randomBytes(60).toString('base64url') },
    }
    expect(assertKeyringDocument(doc).formatVersion).toBe(3)
    rejects(edit(doc))
  })

  it.each([
    ['null', null],
    ['an array', []],
    ['a string', 'fieldseal-keyring'],
    ['a foreign object', { hello: 'world' }],
  ])('refuses %s', (_label, value) => {
    rejects(value)
  })

  it.each<[string, (doc: Record<string, unknown>) => void]>([
    ['another format', (d) => (d.format = 'other')],
    ['a newer format version', (d) => (d.formatVersion = 3)],
    ['format 2 without its MAC', (d) => delete d.mac],
    ['format 2 without its MAC key', (d) => delete d.macKey],
    ['a MAC that is not one', (d) => (d.mac = 'AAAA')],
    ['no longest refresh interval', (d) => delete d.maxRefreshIntervalMs],
    ['a longest refresh interval over a day', (d) => (d.maxRefreshIntervalMs = 86_400_001)],
    ['format 1 with format 2 fields', (d) => (d.formatVersion = 1)],
    ['revision 0', (d) => (d.revision = 0)],
    ['a fractional revision', (d) => (d.revision = 1.5)],
    ['an unknown top-level property', (d) => (d.extra = true)],
    ['keys that are not an array', (d) => (d.keys = {})],
    ['a missing master', (d) => delete d.master],
    [
      'an unknown master source',
      (d) => (d.master = { source: 'kms', salt: null, iterations: null, check: 'x' }),
    ],
    [
      'a passphrase master without salt',
      (d) => (d.master = { source: 'passphrase', salt: null, iterations: 1, check: 'x' }),
    ],
    [
      'an empty master check',
      (d) => (d.master = { source: 'env', salt: null, iterations: null, check: '' }),
    ],
  ])('refuses a document with %s', (_label, mutate) => {
    const doc = JSON.parse(JSON.stringify(keyringDocument(1))) as Record<string, unknown>
    mutate(doc)
    rejects(doc)
  })

  it.each<[string, Record<string, unknown>]>([
    ['an invalid id', { id: 'has space' }],
    ['an id too long', { id: 'a'.repeat(65) }],
    ['an unknown type', { type: 'aes' }],
    ['an unknown status', { status: 'enabled' }],
    ['another algorithm', { algorithm: 'aes-128-gcm' }],
    ['version 0', { version: 0 }],
    ['a negative counter', { encryptions: -1 }],
    ['a bad timestamp', { createdAt: 'yesterday' }],
    ['an impossible date', { createdAt: '2025-13-45T00:00:00Z' }],
    ['material that is not base64url', { wrapped: 'not base64url!' }],
    ['material too short', { wrapped: 'AAAA' }],
    ['no material on a live key', { wrapped: null }],
    ['material on a retired key', { status: 'retired' }],
    ['a numeric rotatedBy', { rotatedBy: 42 }],
    ['a bad activeUntil', { activeUntil: 'soon' }],
    ['an unknown property', { material: 'x' }],
  ])('refuses a key record with %s', (_label, overrides) => {
    const record = { ...keyRecord(), ...overrides }
    rejects(keyringDocument(1, [record as never]))
  })

  it('refuses duplicate ids, duplicate versions and two active keys of one type', () => {
    const a = keyRecord({ version: 1, status: 'inactive' })
    rejects(keyringDocument(1, [a, { ...a, version: 2 }]))
    rejects(
      keyringDocument(1, [
        keyRecord({ version: 1 }),
        keyRecord({ version: 1, status: 'inactive' }),
      ]),
    )
    rejects(keyringDocument(1, [keyRecord({ version: 1 }), keyRecord({ version: 2 })]))
  })

  it('names the property at fault but never echoes a value', () => {
    const secret = 'SUPERSECRETVALUE'
    const error = rejects(keyringDocument(1, [keyRecord({ status: secret as never })]))
    expect(error.message).toContain('keys[0].status')
    expect(error.message).not.toContain(secret)
    const unknown = rejects({ ...keyringDocument(1), [secret]: 1 })
    expect(unknown.message).not.toContain(secret)
  })
})
