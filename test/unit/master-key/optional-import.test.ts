import { describe, expect, it } from 'vitest'
import { importOptional } from '../../../src/master-key/optional-import.js'
import { expectCode } from '../../helpers/provider-contract.js'

describe('importOptional', () => {
  it('loads an installed package', async () => {
    const path = await importOptional<typeof import('node:path')>('node:path', 'test')
    expect(typeof path.join).toBe('function')
  })

  it('names the package to install when it is missing', async () => {
    const error = await expectCode(
      () => importOptional('fieldseal-no-such-package-x', 'pkcs11'),
      'ERR_FIELDSEAL_PROVIDER_MISCONFIGURED',
    )
    expect(error.message).toBe(
      'pkcs11: the optional package fieldseal-no-such-package-x is not installed: npm install fieldseal-no-such-package-x (ERR_MODULE_NOT_FOUND)',
    )
  })
})
