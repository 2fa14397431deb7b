import { describe, expect, it } from 'vitest'
import { AesGcmCipher } from '../../../src/crypto/aes-gcm.js'
import { createFieldseal } from '../../../src/core/fieldseal.js'
import { openRequest, requestModes } from '../../../src/http/request-open.js'
import { resolveFields } from '../../../src/core/options.js'

const fs = createFieldseal({ keys: [AesGcmCipher.generateKey()], fields: ['ssn'] })
const config = fs.config
const encrypted = config.fields
const ssn = fs.encryptField('078-05-1120', { context: 'ssn' })
const note = fs.encryptField('hello', { context: 'note' })
const body = { ssn, notes: { note } }

describe('openRequest', () => {
  it('opens the encrypted paths by default, and refuses a ciphertext anywhere else unopened', () => {
    const opened = openRequest(
      config,
      { ssn, name: 'a' },
      requestModes('encrypted', encrypted),
      undefined,
    )
    expect(opened.base).toEqual({ ssn: '078-05-1120', name: 'a' })
    expect(opened.plaintext).toBe(opened.base)
    expect(() =>
      openRequest(config, body, requestModes('encrypted', encrypted), undefined),
    ).toThrow(
      expect.objectContaining({ code: 'ERR_FIELDSEAL_UNEXPECTED_CIPHERTEXT', path: 'notes.note' }),
    )
  })

  it("opens everything for the plaintext but leaves the base sealed outside encrypted paths ['all']", () => {
    const opened = openRequest(config, body, requestModes('all', encrypted), undefined)
    expect(opened.base).toEqual({ ssn: '078-05-1120', notes: { note } })
    expect(opened.plaintext).toEqual({ ssn: '078-05-1120', notes: { note: 'hello' } })
  })

  it('opens listed paths for the plaintext only, with their own context [decrypt: [paths]]', () => {
    const list = resolveFields([{ path: 'notes.other', context: 'note' }, 'note'], 'x')
    const doc = { ssn, notes: { note, other: note } }
    const opened = openRequest(config, doc, requestModes(list, encrypted), undefined)
    expect(opened.base).toEqual({ ssn: '078-05-1120', notes: { note, other: note } })
    expect(opened.plaintext).toEqual({
      ssn: '078-05-1120',
      notes: { note: 'hello', other: 'hello' },
    })
    const elsewhere = { ssn, notes: { third: note } }
    expect(() => openRequest(config, elsewhere, requestModes(list, encrypted), undefined)).toThrow(
      expect.objectContaining({ code: 'ERR_FIELDSEAL_UNEXPECTED_CIPHERTEXT', path: 'notes.third' }),
    )
  })

  it('opens nothing [decrypt: false]', () => {
    const opened = openRequest(config, body, requestModes(false, encrypted), undefined)
    expect(opened).toEqual({ base: body, plaintext: body })
  })

  it('follows the policy when no fields are configured', () => {
    const policy = createFieldseal({ keys: [AesGcmCipher.generateKey()] })
    const email = policy.encryptField('a@b.c', { context: 'email' })
    const other = policy.encryptField('x', { context: 'other' })
    const modes = requestModes('encrypted', undefined)
    const opened = openRequest(policy.config, { contact: { email } }, modes, undefined)
    expect(opened.base).toEqual({ contact: { email: 'a@b.c' } })
    expect(() => openRequest(policy.config, { other }, modes, undefined)).toThrow(
      expect.objectContaining({ code: 'ERR_FIELDSEAL_UNEXPECTED_CIPHERTEXT', path: 'other' }),
    )
  })
})
