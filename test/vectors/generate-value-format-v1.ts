/**
 * Generates docs/vectors/value-format-v1.json: test vectors of value format v1 (and of the
 * legacy format it reads), with their keys, for fieldseal and for any other implementation.
 * Sealed by test/vectors/format-writer.ts (docs/value-format.md with node:crypto only), so the
 * output is the same on every run; test/unit/crypto/value-format-vectors.test.ts checks the file
 * is exactly what this produces and that fieldseal agrees with every vector.
 *
 * Run with `npm run vectors` to rewrite the file.
 */
import { writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import {
  firstSealed,
  KEYS,
  KID_LABEL,
  keyIdOf,
  kidOf,
  payloadOf,
  sealLegacy,
  sealV1,
  testNonce,
  utf8,
  withPayload,
  type KeyName,
  type Sealed,
} from './format-writer.js'

/** Where the vectors are published. */
export const VECTORS_FILE = fileURLToPath(
  new URL('../../docs/vectors/value-format-v1.json', import.meta.url),
)

const MALFORMED = 'ERR_FIELDSEAL_MALFORMED'
const DECRYPT_FAILED = 'ERR_FIELDSEAL_DECRYPT_FAILED'
const URL_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'

function valid(description: string, key: KeyName, context: string, json: string, value: unknown) {
  // What encryptField writes for `value`: its JSON.stringify text; empty values stay unencrypted.
  const writtenByFieldseal = json === JSON.stringify(value) && value !== null && value !== ''
  const sealed = sealV1(description, key, context, utf8(json))
  return { description, ...sealed, json, value, writtenByFieldseal }
}

function validVectors() {
  const long = 'x'.repeat(300)
  const ssn = ['078-05-1120', '"078-05-1120"'] as const
  const cases: Array<[string, KeyName, string, string, unknown]> = [
    ['a string (an SSN) bound to its field name', 'key-1', 'ssn', ssn[1], ssn[0]],
    ['an e-mail address', 'key-1', 'email', '"ann.lee@example.com"', 'ann.lee@example.com'],
    ['an integer keeps its type', 'key-1', 'age', '42', 42],
    ['a negative fraction', 'key-1', 'balance', '-1234.5', -1234.5],
    ['true', 'key-1', 'verified', 'true', true],
    ['an object', 'key-1', 'profile', '{"a":[1,"x",null],"b":{}}', { a: [1, 'x', null], b: {} }],
    ['an array', 'key-1', 'tags', '["x","y"]', ['x', 'y']],
    [
      'non-ASCII text and context (UTF-8 in plaintext and AAD)',
      'key-1',
      'prénom',
      '"Zoë 😀"',
      'Zoë 😀',
    ],
    ['no binding: context ""', 'key-1', '', '"unbound"', 'unbound'],
    ['escapes in the JSON text', 'key-1', 'note', '"a\\nb \\"q\\" \\\\ \\u00e9"', 'a\nb "q" \\ é'],
    ['escaped lone surrogates: valid JSON', 'key-1', 'note', '"\\ud800x\\udfff"', '\ud800x\udfff'],
    ['a string longer than 128 characters', 'key-1', 'note', JSON.stringify(long), long],
    ['null: valid, opens to null (fieldseal writes none)', 'key-1', 'ssn', 'null', null],
    ['"": valid, opens to "" (fieldseal writes none)', 'key-1', 'ssn', '""', ''],
    ['white space around the JSON text (fieldseal writes none)', 'key-1', 'ssn', ' \n"x"\r\n', 'x'],
    ['the second key, by its own key id', 'key-2', 'ssn', ssn[1], ssn[0]],
  ]
  return cases.map(([description, key, context, json, value]) =>
    valid(description, key, context, json, value),
  )
}

/** Values that are not well-formed, or that do not authenticate, made from a valid one. */
function envelopeVectors(ssn: Sealed) {
  const payload = payloadOf(ssn.encrypted)
  const bytes = Buffer.from(payload, 'base64url')
  const v1 = (newPayload: string) => withPayload(ssn.encrypted, newPayload)
  const flipped = (index: number) => {
    const copy = Buffer.from(bytes)
    copy[index] = (copy[index] as number) ^ 0x01
    return v1(copy.toString('base64url'))
  }
  // 41 bytes → 55 characters: the last one carries 2 unused low bits, which must be zero.
  const unusedBitSet =
    payload.slice(0, -1) + URL_ALPHABET[URL_ALPHABET.indexOf(payload.at(-1)!) | 1]
  const oneMod4 = payload.padEnd(payload.length + ((5 - (payload.length % 4)) % 4), 'A')
  // The same bytes in the standard alphabet need a payload with a "-" or "_".
  const urlOnly = firstSealed(
    'standard alphabet',
    (label) => sealV1(label, 'key-1', 'ssn', utf8('"x"')).encrypted,
    (text) => /[-_]/.test(payloadOf(text)),
  )
  const standard = withPayload(urlOnly, payloadOf(urlOnly).replace(/-/g, '+').replace(/_/g, '/'))
  const underFffd = sealV1('sealed under U+FFFD', 'key-1', '\ufffd', utf8('"x"')).encrypted
  const kid1 = kidOf('key-1')
  const cases: Array<[string, string, string, string]> = [
    ['payload with "=" padding', 'ssn', `${ssn.encrypted}=`, MALFORMED],
    ['payload whose last character has unused bits set', 'ssn', v1(unusedBitSet), MALFORMED],
    ['payload in the standard base64 alphabet ("+", "/")', 'ssn', standard, MALFORMED],
    [
      'payload with white space',
      'ssn',
      v1(`${payload.slice(0, 8)} ${payload.slice(8)}`),
      MALFORMED,
    ],
    ['payload of a length that is 1 mod 4', 'ssn', v1(oneMod4), MALFORMED],
    [
      'payload shorter than nonce + tag',
      'ssn',
      v1(bytes.subarray(0, 27).toString('base64url')),
      MALFORMED,
    ],
    ['no ":" after the key id', 'ssn', `enc:v1:${kid1}`, MALFORMED],
    ['an empty key id', 'ssn', `enc:v1::${payload}`, MALFORMED],
    [
      'a key id with a character outside [A-Za-z0-9_-]',
      'ssn',
      `enc:v1:${kid1}.:${payload}`,
      MALFORMED,
    ],
    ['a key id of 65 characters', 'ssn', `enc:v1:${'k'.repeat(65)}:${payload}`, MALFORMED],
    ['another format version (enc:v2:)', 'ssn', ssn.encrypted.replace('v1', 'v2'), MALFORMED],
    [
      '"enc:V1:": not v1, and not legacy base64',
      'ssn',
      ssn.encrypted.replace('v1', 'V1'),
      MALFORMED,
    ],
    [
      'a key id no key has',
      'ssn',
      ssn.encrypted.replace(kid1, 'unknownKid0'),
      'ERR_FIELDSEAL_UNKNOWN_KEY',
    ],
    ['a flipped bit in the nonce', 'ssn', flipped(0), DECRYPT_FAILED],
    ['a flipped bit in the ciphertext', 'ssn', flipped(12), DECRYPT_FAILED],
    ['a flipped bit in the tag', 'ssn', flipped(bytes.length - 1), DECRYPT_FAILED],
    [
      'read under another context (moved to another field)',
      'tax_id',
      ssn.encrypted,
      DECRYPT_FAILED,
    ],
    [
      'relabelled with the id of the other key',
      'ssn',
      ssn.encrypted.replace(kid1, kidOf('key-2')),
      DECRYPT_FAILED,
    ],
    [
      'a context with a lone surrogate (sealed under U+FFFD)',
      '\ud800',
      underFffd,
      'ERR_FIELDSEAL_UNSUPPORTED_VALUE',
    ],
  ]
  return cases.map(([description, context, encrypted, error]) => ({
    description,
    context,
    encrypted,
    error,
  }))
}

/** Authentic values (only a key holder could make them) whose plaintext is not strict UTF-8 JSON. */
function plaintextVectors() {
  const cases: Array<[string, Uint8Array]> = [
    ['invalid UTF-8 (0xFF)', Uint8Array.of(0x22, 0x61, 0xff, 0x22)],
    ['an overlong UTF-8 encoding (C0 AF)', Uint8Array.of(0x22, 0xc0, 0xaf, 0x22)],
    ['a UTF-8-encoded surrogate (ED A0 80)', Uint8Array.of(0x22, 0xed, 0xa0, 0x80, 0x22)],
    ['a truncated UTF-8 sequence (E2 82)', Uint8Array.of(0x22, 0xe2, 0x82, 0x22)],
    ['a quote inside the string: "a"b"', utf8('"a"b"')],
    ['two strings: """"', utf8('""""')],
    ['a raw control character (U+0001) inside the quotes', Uint8Array.of(0x22, 0x61, 0x01, 0x22)],
    ['a raw line feed inside the quotes', utf8('"a\nb"')],
    ['a BOM before the JSON text', Uint8Array.of(0xef, 0xbb, 0xbf, 0x31)],
    ['an empty plaintext', new Uint8Array(0)],
    ['a bare word, not JSON', utf8('ssn')],
    ['NaN, not JSON', utf8('NaN')],
    ['text after the JSON value', utf8('"x" y')],
  ]
  return cases.map(([what, plaintext]) => {
    const description = `authentic, but ${what}`
    const { context, nonce, plaintextHex, encrypted } = sealV1(
      description,
      'key-1',
      'ssn',
      plaintext,
    )
    return { description, context, nonce, plaintextHex, encrypted, error: MALFORMED }
  })
}

function legacyVectors() {
  const ssn = utf8('078-05-1120')
  const email = utf8('ann.lee@example.com')
  const unpadded = sealLegacy('legacy', 'key-1', ssn) // 39 bytes: no padding
  const padded = sealLegacy('legacy padded', 'key-1', email) // 47 bytes: one "="
  // The same bytes in the URL-safe alphabet need base64 with a "+" or "/".
  const standardOnly = firstSealed(
    'legacy alphabet',
    (label) => sealLegacy(label, 'key-1', ssn),
    (text) => /[+/]/.test(text),
  )
  const invalid: Array<[string, string, string]> = [
    ['unpadded base64', padded.replace(/=+$/, ''), MALFORMED],
    ['the base64url alphabet', standardOnly.replace(/\+/g, '-').replace(/\//g, '_'), MALFORMED],
    [
      'authentic, but invalid UTF-8',
      sealLegacy('legacy invalid', 'key-1', Uint8Array.of(0x61, 0xff)),
      MALFORMED,
    ],
    [
      'under a key the reader does not have',
      sealLegacy('legacy foreign', 'key-2', ssn),
      DECRYPT_FAILED,
    ],
  ]
  const nonce = (label: string) => testNonce(label).toString('hex')
  return {
    description:
      'Legacy (the reference design): "enc:" + standard base64 with padding of nonce ‖ ciphertext ‖ ' +
      'tag, no AAD, the plaintext the raw UTF-8 string; no key id, so tried with each key. Read, ' +
      'never written. A reader of these vectors holds key-1 only.',
    valid: [
      {
        description: 'a string',
        nonce: nonce('legacy'),
        encrypted: unpadded,
        value: '078-05-1120',
      },
      {
        description: 'a string, padded',
        nonce: nonce('legacy padded'),
        encrypted: padded,
        value: 'ann.lee@example.com',
      },
    ],
    invalid: invalid.map(([description, encrypted, error]) => ({ description, encrypted, error })),
  }
}

/** The whole vector document. */
export function buildValueFormatVectors() {
  const validCases = validVectors()
  return {
    description:
      'Test vectors of fieldseal value format v1 (docs/value-format.md) and of the legacy ' +
      'format it reads. The keys are test keys (SHA-256 of a public label): never use them for ' +
      'data. Strings are text; nonce and plaintextHex are hex; keys are standard base64.',
    generatedBy:
      'test/vectors/generate-value-format-v1.ts (npm run vectors), sealed by ' +
      'test/vectors/format-writer.ts from docs/value-format.md with node:crypto only, ' +
      'deterministic (fixed keys and nonces); fieldseal is checked against it by ' +
      'test/unit/crypto/value-format-vectors.test.ts.',
    kidDerivation:
      'kid = base64url(SHA-256(UTF-8("fieldseal key id v1") ‖ 0x00 ‖ key)[0..8]), 11 characters; ' +
      `label bytes (hex): ${KID_LABEL.toString('hex')}`,
    reading:
      'A v1 reader holds both keys (kid → key) and is given the context. A valid vector opens to ' +
      '"value" (the JSON value of "json"); where "writtenByFieldseal" is true, sealing "value" ' +
      'under the same key, context and nonce gives "encrypted" again. An invalid vector fails ' +
      'with "error" (fieldseal\'s code; another implementation maps it to its own).',
    keys: Object.entries(KEYS).map(([name, key]) => ({
      name,
      key: key.toString('base64'),
      kid: keyIdOf(key),
    })),
    valid: validCases,
    invalid: [...envelopeVectors(validCases[0] as Sealed), ...plaintextVectors()],
    legacy: legacyVectors(),
  }
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  writeFileSync(VECTORS_FILE, `${JSON.stringify(buildValueFormatVectors(), null, 2)}\n`)
  console.log(`wrote ${VECTORS_FILE}`)
}
