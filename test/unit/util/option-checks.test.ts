import { describe, expect, it } from 'vitest'
import { optionNames, rejectUnknownOptions } from '../../../src/util/option-checks.js'

interface Sample {
  readonly alpha?: number
  readonly beta?: string
}

describe('optionNames', () => {
  it('lists the names of an options interface, for rejectUnknownOptions', () => {
    const names = optionNames<Sample>({ alpha: true, beta: true })
    expect(names).toEqual(['alpha', 'beta'])
    expect(() => rejectUnknownOptions({ alpah: 1 }, names, 'sample')).toThrow(
      expect.objectContaining({
        code: 'ERR_FIELDSEAL_INVALID_OPTION',
        message: expect.stringMatching(/Did you mean "alpha"/),
      }),
    )
    expect(Object.isFrozen(names)).toBe(true)
  })

  it('does not compile when the list drifts from the interface (a name missing, or one too many)', () => {
    // @ts-expect-error beta is missing: an option the interface gained but the list did not
    optionNames<Sample>({ alpha: true })
    // @ts-expect-error gamma is not an option of Sample: a list that kept a removed option
    optionNames<Sample>({ alpha: true, beta: true, gamma: true })
  })
})
