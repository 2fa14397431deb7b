import { describe, expect, it } from 'vitest'
import { isFieldsealError } from '../../../../src/errors.js'
import { formatPkcs11Uri, parsePkcs11Uri } from '../../../../src/master-key/pkcs11/uri.js'

function refused(uri: string): string {
  try {
    parsePkcs11Uri(uri)
  } catch (error) {
    expect(isFieldsealError(error, 'ERR_FIELDSEAL_INVALID_OPTION'), String(error)).toBe(true)
    return (error as Error).message
  }
  throw new Error(`accepted: ${uri}`)
}

describe('pkcs11: URIs (RFC 7512)', () => {
  it('parses path and query attributes, decoding escapes; id stays bytes', () => {
    const uri = parsePkcs11Uri(
      'pkcs11:token=My%20token;object=master%3Bkey;id=%01%ff;serial=3f56e41b;slot-id=671548165;type=secret-key;library-version=2.6' +
        '?module-path=/usr/lib/softhsm/libsofthsm2.so&pin-source=file:/run/secrets/pin',
    )
    expect(uri.attributes).toEqual({
      token: 'My token',
      object: 'master;key',
      serial: '3f56e41b',
      'slot-id': '671548165',
      type: 'secret-key',
      'library-version': '2.6',
    })
    expect(uri.id).toEqual(Buffer.from([0x01, 0xff]))
    expect(uri.modulePath).toBe('/usr/lib/softhsm/libsofthsm2.so')
    expect(uri.pinFile).toBe('/run/secrets/pin')
    expect(parsePkcs11Uri('pkcs11:id=%01?pin-source=file:///run/pin').pinFile).toBe('/run/pin')
    expect(parsePkcs11Uri('pkcs11:id=%01?pin-source=/run/pin').pinFile).toBe('/run/pin')
    expect(parsePkcs11Uri('PKCS11:object=k').attributes.object).toBe('k')
  })

  it('formats a canonical URI: RFC order, escapes, no query', () => {
    const uri = parsePkcs11Uri(
      'pkcs11:object=m%C3%A9;id=%0a;token=a%20b?pin-source=/p&module-path=/m.so',
    )
    expect(formatPkcs11Uri(uri)).toBe('pkcs11:token=a%20b;object=m%C3%A9;id=%0a')
    expect(formatPkcs11Uri(parsePkcs11Uri(formatPkcs11Uri(uri)))).toBe(formatPkcs11Uri(uri))
    expect(formatPkcs11Uri(parsePkcs11Uri("pkcs11:object=it's(1)*"))).toBe(
      'pkcs11:object=it%27s%281%29%2A',
    )
  })

  it('refuses a PIN in the URI and never echoes it', () => {
    const message = refused('pkcs11:token=t;object=m;pin-value=secret-pin-991')
    expect(message).not.toContain('secret-pin-991')
    expect(refused('pkcs11:token=t;object=m?pin-value=secret-pin-991')).not.toContain(
      'secret-pin-991',
    )
  })

  it('refuses what it cannot honour exactly', () => {
    for (const uri of [
      'pkcs11:token=t',
      'pkcs11:',
      'http:token=t;object=m',
      'pkcs11:token=t;object=m;x-vendor=1',
      'pkcs11:token=t;object=m;object=n',
      'pkcs11:token=t;object=m;type=private',
      'pkcs11:token=t;object=%zz',
      'pkcs11:token=t;object=m%',
      'pkcs11:token=%ff%fe;object=m',
      'pkcs11:token=t;object=a b',
      'pkcs11:token=t;object=',
      'pkcs11:token=t;object',
      'pkcs11:token=t;object=m;slot-id=-1',
      'pkcs11:token=t;object=m;library-version=two',
      'pkcs11:token=t;object=m?module-name=softhsm2',
      'pkcs11:token=t;object=m?module-path=libsofthsm2.so',
      'pkcs11:token=t;object=m?pin-source=|/bin/get-pin',
      'pkcs11:token=t;object=m?pin-source=relative/pin',
      'pkcs11:token=t;object=m?unknown=1',
    ]) {
      refused(uri)
    }
    expect(refused('pkcs11:token=t;object=m?module-name=softhsm2')).toContain('module-path')
  })
})
