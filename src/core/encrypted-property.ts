/**
 * Transparent encrypted properties, the equivalent of the reference design's `EncryptedField`
 * descriptor: the object stores ciphertext, reading the property gives plaintext, assigning it
 * encrypts. Works as a standard decorator on `accessor` fields and on plain objects.
 *
 * Plaintext is reachable only through the property itself: `JSON.stringify` and `util.inspect`
 * never see it (class accessors live on the prototype; plain-object properties are made
 * non-enumerable). Use {@link sealedFields} to get the ciphertexts to persist.
 *
 * @module
 */
import type { Fieldseal } from './fieldseal.js'

/** Options of an encrypted property. */
export interface EncryptedPropertyOptions {
  /** Context bound into the ciphertext. Defaults to the property name. */
  readonly context?: string
}

type SealedReader = () => unknown
const readers = new WeakMap<object, Map<string, SealedReader>>()

function register(target: object, name: string, read: SealedReader): void {
  let byName = readers.get(target)
  if (byName === undefined) readers.set(target, (byName = new Map()))
  byName.set(name, read)
}

/**
 * Decorator for an `accessor` class field whose value is kept encrypted.
 *
 * @example
 * ```ts
 * class Customer {
 *   @encrypted(sealer) accessor ssn: string | null = null
 * }
 * const c = new Customer()
 * c.ssn = '078-05-1120'    // stored as 'enc:v1:…'
 * c.ssn                     // '078-05-1120'
 * sealedFields(c).ssn       // 'enc:v1:…', what you persist
 * ```
 */
export function encrypted(fieldseal: Fieldseal, options: Readonly<EncryptedPropertyOptions> = {}) {
  return function encryptedAccessor<This extends object, Value>(
    target: ClassAccessorDecoratorTarget<This, Value>,
    decorator: ClassAccessorDecoratorContext<This, Value>,
  ): ClassAccessorDecoratorResult<This, Value> {
    if (decorator.kind !== 'accessor' || decorator.static) {
      throw new TypeError('@encrypted applies to instance `accessor` fields')
    }
    const name = String(decorator.name)
    const context = { context: options.context ?? name }
    decorator.addInitializer(function (this: This) {
      register(this, name, () => target.get.call(this))
    })
    return {
      get(this: This): Value {
        return fieldseal.decryptField(target.get.call(this), context) as Value
      },
      set(this: This, value: Value): void {
        target.set.call(this, fieldseal.encryptField(value, context) as Value)
      },
      init(value: Value): Value {
        return fieldseal.encryptField(value, context) as Value
      },
    }
  }
}

/**
 * Turns properties of a plain object into encrypted properties, encrypting their current values.
 *
 * @example
 * ```ts
 * const row = defineEncryptedProperties({ name: 'Ada', ssn: '078-05-1120' }, sealer, ['ssn'])
 * row.ssn                 // '078-05-1120'
 * JSON.stringify(row)     // '{"name":"Ada"}' — plaintext never serialised
 * sealedFields(row).ssn   // 'enc:v1:…'
 * ```
 */
export function defineEncryptedProperties<T extends object>(
  target: T,
  fieldseal: Fieldseal,
  fields: readonly string[] | Readonly<Record<string, EncryptedPropertyOptions>>,
): T {
  const entries: Array<[string, EncryptedPropertyOptions]> = Array.isArray(fields)
    ? fields.map((name) => [name, {}])
    : Object.entries(fields)
  for (const [name, options] of entries) {
    if (name === '__proto__' || name === 'constructor' || name === 'prototype') {
      throw new TypeError(`"${name}" cannot be an encrypted property`)
    }
    const context = { context: options.context ?? name }
    let sealed = fieldseal.encryptField((target as Record<string, unknown>)[name], context)
    Object.defineProperty(target, name, {
      get: () => fieldseal.decryptField(sealed, context),
      set: (value: unknown) => {
        sealed = fieldseal.encryptField(value, context)
      },
      enumerable: false,
      configurable: true,
    })
    register(target, name, () => sealed)
  }
  return target
}

/**
 * The stored ciphertexts of an object's encrypted properties, by property name.
 *
 * @example
 * ```ts
 * class Customer {
 *   id = 1
 *   @encrypted(sealer) accessor ssn: string | null = null
 * }
 * const customer = new Customer()
 * customer.ssn = '078-05-1120'
 * db.insert({ id: customer.id, ...sealedFields(customer) }) // { id: 1, ssn: 'enc:v1:…' }
 * ```
 */
export function sealedFields(target: object): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const [name, read] of readers.get(target) ?? []) out[name] = read()
  return out
}
