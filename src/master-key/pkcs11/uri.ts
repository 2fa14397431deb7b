/**
 * `pkcs11:` URIs (RFC 7512): which module, slot, token and key to use.
 *
 * Parsed strictly, because a URI that silently matched less than it says would pick another key:
 * an attribute the parser does not know (vendor `x-` ones included) is refused, so is a repeated
 * attribute, a bad percent-escape, invalid UTF-8, a `type` other than `secret-key`, and a URI
 * that names no key (`object` or `id`). `pin-value` is refused outright: a PIN in a URI ends up in
 * configuration files, process lists and logs; use `pin-source` (a file) or the environment.
 * `module-name` is refused too (its lookup is platform-specific); use `module-path`.
 *
 * @module
 */
import { invalidOption } from '../../util/option-checks.js'

/** RFC 7512 §2.3 path attributes this provider matches on, in the order they are printed. */
const PATH_ATTRIBUTES = [
  'library-manufacturer',
  'library-description',
  'library-version',
  'slot-manufacturer',
  'slot-description',
  'slot-id',
  'manufacturer',
  'model',
  'serial',
  'token',
  'object',
  'type',
  'id',
] as const
const QUERY_ATTRIBUTES = ['module-path', 'module-name', 'pin-source'] as const

export type Pkcs11PathAttribute = (typeof PATH_ATTRIBUTES)[number]

/** A parsed `pkcs11:` URI. Text attributes are decoded; `id` stays bytes. */
export interface Pkcs11Uri {
  readonly attributes: Readonly<Partial<Record<Exclude<Pkcs11PathAttribute, 'id'>, string>>>
  readonly id: Buffer | undefined
  readonly modulePath: string | undefined
  /** Path of the file holding the PIN (`pin-source=file:…` or a plain path). */
  readonly pinFile: string | undefined
}

const WHERE = 'pkcs11 provider'
const ESCAPE = /%(?![0-9A-Fa-f]{2})/
// RFC 7512 pk11-pchar / pk11-qchar: unreserved, the allowed reserved characters, escapes.
const PATH_CHARS = /^[A-Za-z0-9\-._~:[\]@!$'()*+,=&%]*$/
const QUERY_CHARS = /^[A-Za-z0-9\-._~:[\]@!$'()*+,=/?|;%]*$/
const UTF8 = new TextDecoder('utf-8', { fatal: true })

function decodeBytes(value: string, name: string): Buffer {
  if (ESCAPE.test(value)) throw invalidOption(WHERE, `pkcs11 URI: bad percent-escape in "${name}"`)
  const bytes: number[] = []
  for (let i = 0; i < value.length; i++) {
    if (value[i] === '%') {
      bytes.push(parseInt(value.slice(i + 1, i + 3), 16))
      i += 2
    } else {
      bytes.push(value.charCodeAt(i))
    }
  }
  return Buffer.from(bytes)
}

function decodeText(value: string, name: string): string {
  try {
    return UTF8.decode(decodeBytes(value, name))
  } catch (error) {
    if (error instanceof TypeError) throw invalidOption(WHERE, `pkcs11 URI: "${name}" is not UTF-8`)
    throw error
  }
}

function splitPairs(
  part: string,
  separator: string,
  chars: RegExp,
  known: readonly string[],
): Map<string, string> {
  const pairs = new Map<string, string>()
  if (part === '') return pairs
  for (const item of part.split(separator)) {
    const equals = item.indexOf('=')
    const name = equals < 0 ? item : item.slice(0, equals)
    const value = equals < 0 ? '' : item.slice(equals + 1)
    if (name === 'pin-value') {
      throw invalidOption(
        WHERE,
        'pkcs11 URI: pin-value is refused; give the PIN through pin-source (a file) or FIELDSEAL_PKCS11_PIN',
      )
    }
    if (!known.includes(name)) {
      throw invalidOption(WHERE, `pkcs11 URI: attribute "${name.slice(0, 40)}" is not supported`)
    }
    if (pairs.has(name)) throw invalidOption(WHERE, `pkcs11 URI: attribute "${name}" appears twice`)
    if (equals < 0 || value === '' || !chars.test(value)) {
      throw invalidOption(
        WHERE,
        `pkcs11 URI: attribute "${name}" has no value or a character that must be percent-encoded`,
      )
    }
    pairs.set(name, value)
  }
  return pairs
}

/**
 * Parses and checks a `pkcs11:` URI; throws `ERR_FIELDSEAL_INVALID_OPTION`, never echoing a value.
 *
 * @example
 * ```ts
 * parsePkcs11Uri('pkcs11:token=fieldseal;object=master?module-path=/usr/lib/softhsm/libsofthsm2.so')
 * ```
 */
export function parsePkcs11Uri(uri: string): Pkcs11Uri {
  if (typeof uri !== 'string' || !/^pkcs11:/i.test(uri))
    throw invalidOption(WHERE, 'uri must start with "pkcs11:"')
  const rest = uri.slice('pkcs11:'.length)
  const question = rest.indexOf('?')
  const path = splitPairs(
    question < 0 ? rest : rest.slice(0, question),
    ';',
    PATH_CHARS,
    PATH_ATTRIBUTES,
  )
  const query = splitPairs(
    question < 0 ? '' : rest.slice(question + 1),
    '&',
    QUERY_CHARS,
    QUERY_ATTRIBUTES,
  )
  if (query.has('module-name'))
    throw invalidOption(WHERE, 'pkcs11 URI: use module-path, not module-name')
  const attributes: Partial<Record<Exclude<Pkcs11PathAttribute, 'id'>, string>> = {}
  for (const [name, value] of path) {
    if (name !== 'id')
      attributes[name as Exclude<Pkcs11PathAttribute, 'id'>] = decodeText(value, name)
  }
  const id = path.has('id') ? decodeBytes(path.get('id') as string, 'id') : undefined
  if (attributes.type !== undefined && attributes.type !== 'secret-key') {
    throw invalidOption(WHERE, 'pkcs11 URI: type must be secret-key (an AES key)')
  }
  if (attributes['slot-id'] !== undefined && !/^\d{1,20}$/.test(attributes['slot-id'])) {
    throw invalidOption(WHERE, 'pkcs11 URI: slot-id must be a decimal number')
  }
  if (
    attributes['library-version'] !== undefined &&
    !/^\d{1,3}(?:\.\d{1,3})?$/.test(attributes['library-version'])
  ) {
    throw invalidOption(WHERE, 'pkcs11 URI: library-version must be M or M.m')
  }
  if (attributes.object === undefined && id === undefined) {
    throw invalidOption(WHERE, 'pkcs11 URI: name the key with object= (its label) or id=')
  }
  const modulePath = query.get('module-path')
  return {
    attributes,
    id,
    modulePath:
      modulePath === undefined
        ? undefined
        : absolutePath(decodeText(modulePath, 'module-path'), 'module-path'),
    pinFile: pinFile(query.get('pin-source')),
  }
}

function absolutePath(path: string, name: string): string {
  if (!path.startsWith('/') || path.includes('\0'))
    throw invalidOption(WHERE, `pkcs11 URI: ${name} must be an absolute path`)
  return path
}

/** `pin-source=file:/path`, `file:///path` or `/path`; a command (`|prog`) is refused. */
function pinFile(raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined
  const source = decodeText(raw, 'pin-source')
  if (source.startsWith('|'))
    throw invalidOption(WHERE, 'pkcs11 URI: pin-source commands ("|…") are refused; use a file')
  return absolutePath(source.replace(/^file:(?:\/\/(?=\/))?/, ''), 'pin-source')
}

/**
 * The URI's path attributes in canonical form (RFC order, everything but unreserved characters
 * percent-encoded, `id` fully encoded), without the query: no PIN source, no module path. This
 * is what a keyring stores.
 *
 * @example
 * ```ts
 * formatPkcs11Uri(parsePkcs11Uri('pkcs11:object=m;token=t')) // 'pkcs11:token=t;object=m'
 * ```
 */
export function formatPkcs11Uri(uri: Pkcs11Uri): string {
  const parts: string[] = []
  for (const name of PATH_ATTRIBUTES) {
    if (name === 'id') {
      if (uri.id !== undefined)
        parts.push(`id=${[...uri.id].map((b) => `%${b.toString(16).padStart(2, '0')}`).join('')}`)
      continue
    }
    const value = uri.attributes[name]
    if (value !== undefined)
      parts.push(
        `${name}=${encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)}`,
      )
  }
  return `pkcs11:${parts.join(';')}`
}
