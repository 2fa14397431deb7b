import { describe, expectTypeOf, it } from 'vitest'
import {
  AesGcmCipher,
  createFieldseal,
  type FieldsealError,
  type Fieldseal,
  type FieldsealErrorCode,
  type FieldsealOptions,
  type KeySource,
} from '../../src/index.js'

type Equals<A, B> =
  (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false

describe('public types', () => {
  it('createFieldseal takes optional, readonly options and returns a Fieldseal', () => {
    expectTypeOf(createFieldseal)
      .parameter(0)
      .toEqualTypeOf<Readonly<FieldsealOptions> | undefined>()
    expectTypeOf(createFieldseal).returns.toEqualTypeOf<Fieldseal>()
    const check: Equals<ReturnType<Fieldseal['encryptFields']>, unknown> = true
    void check
  })

  it('document operations keep the document type', () => {
    const fs = createFieldseal({ keys: [AesGcmCipher.generateKey()] })
    expectTypeOf(fs.encryptFields({ ssn: 'x' })).toEqualTypeOf<{ ssn: string }>()
    expectTypeOf(fs.decryptFields([1, 2])).toEqualTypeOf<number[]>()
  })

  it('error codes are a closed union usable in a switch', () => {
    expectTypeOf<FieldsealError['code']>().toEqualTypeOf<FieldsealErrorCode>()
    expectTypeOf<'ERR_FIELDSEAL_DECRYPT_FAILED'>().toExtend<FieldsealErrorCode>()
    // @ts-expect-error not a fieldseal code
    const bad: FieldsealErrorCode = 'ERR_SOMETHING_ELSE'
    void bad
  })

  it('rejects unknown options and wrong key types at compile time', () => {
    // @ts-expect-error misspelt option
    const options: FieldsealOptions = { feilds: ['ssn'] }
    void options
    // @ts-expect-error keys are strings or bytes
    const keys: FieldsealOptions = { keys: [1] }
    void keys
    expectTypeOf(AesGcmCipher.generateKey).returns.toEqualTypeOf<Buffer>()
    expectTypeOf<Fieldseal['keySource']>().toEqualTypeOf<KeySource>()
  })
})
