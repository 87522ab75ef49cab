import { parseBasicAuth } from '../../src/domain/basic-auth.ts'
import { callbackAddressOf, dedupeKeyOf, quirkFlag } from '../../src/domain/journal-entry.ts'

describe('dedupeKeyOf', () => {
  test('MessageID scoped by station', () => {
    expect(dedupeKeyOf('CP-1', 'urn:uuid:1', '<x/>')).toEqual({
      msgId: 'CP-1/urn:uuid:1',
      messageId: 'urn:uuid:1',
      hashed: false,
    })
  })
  test('identities with spaces or non-ASCII are hashed into the Nats-Msg-Id', () => {
    const key = dedupeKeyOf('DE*ACM E1', 'urn:uuid:1', '<x/>')
    expect(key.msgId).toMatch(/^sha256:[0-9a-f]{64}$/)
    expect(key.messageId).toBe('urn:uuid:1')
    expect(dedupeKeyOf('DE*ACM E1', 'urn:uuid:2', '<x/>').msgId).not.toBe(key.msgId)
  })
  test('a MessageID too long for the catalog is hashed', () => {
    expect(dedupeKeyOf('CP-1', 'x'.repeat(600), '').messageId).toMatch(/^sha256:/)
  })
  test('no MessageID: hash of station and body', () => {
    const a = dedupeKeyOf('CP-1', undefined, '<x/>')
    expect(a.hashed).toBe(true)
    expect(dedupeKeyOf('CP-1', undefined, '<x/>')).toEqual(a)
    expect(dedupeKeyOf('CP-2', undefined, '<x/>').msgId).not.toBe(a.msgId)
    expect(dedupeKeyOf('CP-1', '', '<y/>').msgId).not.toBe(a.msgId)
  })
})

test('quirkFlag', () => {
  expect(quirkFlag({ code: 'TIMESTAMP_WITHOUT_OFFSET', path: 'x' })).toBe('timestamp-without-offset')
  expect(quirkFlag({ code: 'SOAP11_ENVELOPE', path: 'x' })).toBe('soap11-envelope')
})

test.each([
  [{ from: 'http://10.0.0.1/cp' }, 'http://10.0.0.1/cp'],
  [{ replyTo: 'http://10.0.0.2/cp' }, 'http://10.0.0.2/cp'],
  [{ from: 'http://www.w3.org/2005/08/addressing/anonymous' }, undefined],
  [{ replyTo: 'http://www.w3.org/2005/08/addressing/none' }, undefined],
  [{}, undefined],
])('callbackAddressOf(%j)', (addressing, expected) => {
  expect(callbackAddressOf(addressing)).toBe(expected)
})

describe('parseBasicAuth', () => {
  const b64 = (s: string) => Buffer.from(s).toString('base64')
  test.each([
    [`Basic ${b64('CP-1:s3cret')}`, { user: 'CP-1', password: 's3cret' }],
    [`basic ${b64('CP-1:with:colon')}`, { user: 'CP-1', password: 'with:colon' }],
    [`Basic ${b64('nocolon')}`, undefined],
    ['Bearer abc', undefined],
    [undefined, undefined],
  ])('%j', (header, expected) => {
    expect(parseBasicAuth(header)).toEqual(expected)
  })
})
