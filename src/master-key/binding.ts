/**
 * Checks a {@link KeyBinding} and turns it into the one byte string every provider that takes
 * associated data authenticates (PKCS#11 AES-GCM, Vault Transit), so that the same binding
 * always gives the same bytes and two different bindings never do.
 *
 * Canonical form: `fieldseal-binding:v1\n` then one `name=value\n` line per pair, sorted by
 * name. Names cannot contain `=` or a line break and values cannot contain control characters,
 * so the encoding is unambiguous without escaping.
 *
 * @module
 */
import type { KeyBinding } from './types.js'

const NAME = /^(?!aws)[A-Za-z][A-Za-z0-9_.-]{0,63}$/i
// C0 and C1 controls, including line breaks: they would make the lines ambiguous.
// biome-ignore lint/suspicious/noControlCharactersInRegex: the controls it refuses
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/
const MAX_PAIRS = 16
const MAX_VALUE_LENGTH = 512
/** The largest material a provider wraps (the AWS KMS Encrypt limit). */
export const MAX_MATERIAL_LENGTH = 4096
/** The largest wrapped value a provider accepts to open (a guard, far above any real one). */
export const MAX_WRAPPED_LENGTH = 16384

const PREFIX = 'fieldseal-binding:v1\n'

/**
 * The binding's pairs, sorted by name, after checking every rule. Throws a `TypeError` naming
 * the offending pair name (never a value).
 *
 * @example
 * ```ts
 * checkBinding({ version: '1', keyId: 'k1' }) // [['keyId', 'k1'], ['version', '1']]
 * ```
 */
export function checkBinding(binding: KeyBinding): ReadonlyArray<readonly [string, string]> {
  if (typeof binding !== 'object' || binding === null || Array.isArray(binding)) {
    throw new TypeError('binding must be an object of string values')
  }
  const names = Object.keys(binding)
  if (names.length === 0 || names.length > MAX_PAIRS) {
    throw new TypeError(`binding must have 1 to ${MAX_PAIRS} entries`)
  }
  const pairs: Array<readonly [string, string]> = []
  for (const name of names.sort()) {
    if (!NAME.test(name)) throw new TypeError(`binding name "${name.slice(0, 64)}" is not allowed`)
    const value: unknown = binding[name]
    if (
      typeof value !== 'string' ||
      value.length === 0 ||
      value.length > MAX_VALUE_LENGTH ||
      CONTROL.test(value) ||
      LONE_SURROGATE.test(value)
    ) {
      throw new TypeError(`binding "${name}" must be 1 to ${MAX_VALUE_LENGTH} printable characters`)
    }
    pairs.push([name, value])
  }
  return pairs
}

/**
 * The canonical bytes of a binding, for use as associated data.
 *
 * @example
 * ```ts
 * canonicalBinding({ keyId: 'k1' }).toString() // 'fieldseal-binding:v1\nkeyId=k1\n'
 * ```
 */
export function canonicalBinding(binding: KeyBinding): Buffer {
  const lines = checkBinding(binding).map(([name, value]) => `${name}=${value}\n`)
  return Buffer.from(PREFIX + lines.join(''), 'utf8')
}

/**
 * A copy of the binding as a plain object with sorted names (for AWS KMS encryption context).
 *
 * @example
 * ```ts
 * bindingRecord({ b: '2', a: '1' }) // { a: '1', b: '2' }
 * ```
 */
export function bindingRecord(binding: KeyBinding): Record<string, string> {
  return Object.fromEntries(checkBinding(binding))
}

/**
 * Checks the bytes given to `wrap` (1 to {@link MAX_MATERIAL_LENGTH}) or to `unwrap` (1 to
 * {@link MAX_WRAPPED_LENGTH}); returns them as a Buffer view without copying.
 *
 * @example
 * ```ts
 * const material = new Uint8Array(32)
 * checkBytes(material, 'material', MAX_MATERIAL_LENGTH) // a Buffer view of the same bytes
 * ```
 */
export function checkBytes(value: Uint8Array, what: string, maxLength: number): Buffer {
  if (!(value instanceof Uint8Array)) throw new TypeError(`${what} must be a Uint8Array`)
  if (value.length === 0 || value.length > maxLength) {
    throw new TypeError(`${what} must be 1 to ${maxLength} bytes`)
  }
  return Buffer.from(value.buffer, value.byteOffset, value.length)
}
