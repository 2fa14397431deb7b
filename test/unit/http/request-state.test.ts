import { describe, expect, it } from 'vitest'
import {
  createRequestState,
  isRequestState,
  routeSlotOf,
  setRouteSlot,
} from '../../../src/http/request-state.js'

describe('createRequestState', () => {
  const plaintext = JSON.parse(
    '{"ssn":"123","cards":[{"number":"4111"}],"__proto__":{"x":1},"n":null}',
  )
  const state = createRequestState(plaintext)

  it('exposes the plaintext and reads paths without wildcards', () => {
    expect(state.plaintext).toBe(plaintext)
    expect(state.get('ssn')).toBe('123')
    expect(state.get('cards[0].number')).toBe('4111')
    expect(state.get('cards')).toEqual([{ number: '4111' }])
    expect(state.get('n')).toBeNull()
  })

  it('answers undefined for what is not there, reading own properties only', () => {
    for (const path of [
      'missing',
      'cards[1].number',
      'ssn.length',
      'cards.length',
      'cards.number',
      'toString',
      'hasOwnProperty',
      'n.x',
    ]) {
      expect(state.get(path)).toBeUndefined()
    }
    expect(createRequestState(undefined).get('a')).toBeUndefined()
  })

  it('refuses wildcards and forbidden segments', () => {
    expect(() => state.get('cards[*].number')).toThrow(
      expect.objectContaining({ code: 'ERR_FIELDSEAL_INVALID_PATH' }),
    )
    expect(() => state.get('**.ssn')).toThrow(
      expect.objectContaining({ code: 'ERR_FIELDSEAL_INVALID_PATH' }),
    )
    expect(() => state.get('__proto__')).toThrow(
      expect.objectContaining({ code: 'ERR_FIELDSEAL_INVALID_PATH' }),
    )
  })

  it('is frozen, and carries a route slot only fieldseal can see', () => {
    expect(Object.isFrozen(state)).toBe(true)
    expect(Object.keys(state).sort()).toEqual(['get', 'plaintext'])
    expect(isRequestState(state)).toBe(true)
    expect(isRequestState({ plaintext: 1, get: () => 1 })).toBe(false)
    expect(isRequestState(undefined)).toBe(false)
    expect(routeSlotOf(state)).toBeUndefined()
    expect(routeSlotOf(undefined)).toBeUndefined()
    setRouteSlot(state, 'route')
    expect(routeSlotOf(state)).toBe('route')
    expect(() => setRouteSlot({ plaintext: 1, get: () => 1 }, 'x')).toThrow(TypeError)
  })
})
