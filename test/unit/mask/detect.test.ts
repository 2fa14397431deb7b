import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { isLuhnValid, looksLikeCardNumber, looksLikeSsn } from '../../../src/mask/detect.js'

// Published test numbers of the card networks (none is a real account).
const TEST_CARDS = [
  '4111111111111111', // Visa
  '4012888888881881', // Visa
  '4222222222222', // Visa, 13 digits
  '5555555555554444', // Mastercard
  '5105105105105100', // Mastercard
  '2223003122003222', // Mastercard 2-series
  '378282246310005', // American Express, 15 digits
  '371449635398431', // American Express
  '6011111111111117', // Discover
  '6011000990139424', // Discover
  '30569309025904', // Diners Club, 14 digits
  '38520000023237', // Diners Club
  '3530111333300000', // JCB
  '3566002020360505', // JCB
  '6200000000000005', // UnionPay
  '6205500000000000004', // UnionPay, 19 digits
]

describe('isLuhnValid', () => {
  it.each(TEST_CARDS)('accepts the test card %s', (card) => {
    expect(isLuhnValid(card)).toBe(true)
  })

  it('accepts the textbook example 79927398713 and rejects its neighbours', () => {
    expect(isLuhnValid('79927398713')).toBe(true)
    expect(isLuhnValid('79927398710')).toBe(false)
    expect(isLuhnValid('79927398714')).toBe(false)
  })

  it.each(['', '4111 1111 1111 1111', '4111-1111', '41111111111111١١', 'abc'])(
    'rejects %j (digits only)',
    (text) => {
      expect(isLuhnValid(text)).toBe(false)
    },
  )

  it('rejects a non-string', () => {
    expect(isLuhnValid(4111111111111111 as unknown as string)).toBe(false)
  })

  it('catches every single-digit change', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...TEST_CARDS),
        fc.nat(),
        fc.integer({ min: 1, max: 9 }),
        (card, at, delta) => {
          const i = at % card.length
          const digit = (Number(card[i]) + delta) % 10
          const changed = card.slice(0, i) + String(digit) + card.slice(i + 1)
          expect(isLuhnValid(changed)).toBe(false)
        },
      ),
    )
  })
})

describe('looksLikeCardNumber', () => {
  it.each(TEST_CARDS)('matches %s', (card) => {
    expect(looksLikeCardNumber(card)).toBe(true)
  })

  it.each([
    '4111 1111 1111 1111',
    '4111-1111-1111-1111',
    '3782 822463 10005',
    '6011-1111-1111-1117',
  ])('matches the grouped form %j', (card) => {
    expect(looksLikeCardNumber(card)).toBe(true)
  })

  it.each([
    ['4111111111111112', 'Luhn check fails'],
    ['79927398713', 'too short (11 digits)'],
    ['411111111111', 'too short (12 digits)'],
    ['41111111111111111113', 'too long (20 digits)'],
    ['4111  1111 1111 1111', 'double separator'],
    ['4111 1111-1111 1111', 'mixed separators'],
    [' 4111111111111111', 'leading space'],
    ['4111111111111111-', 'trailing dash'],
    ['4111.1111.1111.1111', 'dots'],
    ['card 4111111111111111', 'text around it'],
    ['٤١١١١١١١١١١١١١١١', 'non-ASCII digits'],
    ['', 'empty'],
  ])('does not match %j (%s)', (text) => {
    expect(looksLikeCardNumber(text)).toBe(false)
  })

  it.each([4111111111111111, null, undefined, ['4111111111111111']])(
    'does not match the non-string %j',
    (value) => {
      expect(looksLikeCardNumber(value)).toBe(false)
    },
  )
})

describe('looksLikeSsn', () => {
  it.each(['123-45-6789', '123456789', '001-01-0001', '665-99-9999', '899-12-3456'])(
    'matches %s',
    (ssn) => {
      expect(looksLikeSsn(ssn)).toBe(true)
    },
  )

  it.each([
    ['000-12-3456', 'area 000'],
    ['666-12-3456', 'area 666'],
    ['900-12-3456', 'area 900 (ITIN range)'],
    ['999123456', 'area 999'],
    ['123-00-4567', 'group 00'],
    ['123-45-0000', 'serial 0000'],
    ['123-456789', 'one dash only'],
    ['12-345-6789', 'wrong grouping'],
    ['1234567890', 'ten digits'],
    ['12345678', 'eight digits'],
    ['123 45 6789', 'spaces'],
    ['abc-de-fghi', 'letters'],
  ])('does not match %j (%s)', (text) => {
    expect(looksLikeSsn(text)).toBe(false)
  })

  it('does not match a number', () => {
    expect(looksLikeSsn(123456789)).toBe(false)
  })
})
