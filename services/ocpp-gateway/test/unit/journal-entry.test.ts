import { decodeRequest } from '@chargebus/ocpp'
import type { StationAnswer } from '../../src/domain/answer-station-message.ts'
import {
  claimedCallbackOf,
  dedupeKeyOf,
  journalEntryOf,
  quirkFlag,
  usableCallback,
} from '../../src/domain/journal-entry.ts'
import { toRequest16 } from '../../src/domain/version-conversion.ts'
import { type EnvelopeOptions, envelope } from '../support/gateway.ts'

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
  test('a station with a slash cannot collide with another station and id', () => {
    const a = dedupeKeyOf('A/B', 'C', '<x/>').msgId
    const b = dedupeKeyOf('A', 'B/C', '<x/>').msgId
    expect(a).not.toBe(b)
    expect(b).toBe('A/B/C')
    expect(a).toMatch(/^sha256:/)
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
])('claimedCallbackOf(%j)', (addressing, expected) => {
  expect(claimedCallbackOf(addressing)).toBe(expected)
})

test.each([
  ['http://cp7.example.com:8080/ocpp', true],
  ['https://[2001:db8::7]/ocpp', true],
  ['file:///etc/passwd', false],
  ['gopher://cp7.example.com/', false],
  ['http://admin:pw@cp7.example.com/ocpp', false],
  ['not a url', false],
  [`http://cp7.example.com/${'x'.repeat(2048)}`, false],
])('usableCallback(%j): %s, and the same when asked again (memoized)', (address, usable) => {
  expect(usableCallback(address)).toBe(usable ? address : undefined)
  expect(usableCallback(address)).toBe(usable ? address : undefined)
})

describe('journalEntryOf', () => {
  const NOW = '2026-11-26T10:00:00.000Z'
  const TRUSTED = { unknownStation: false, callbackTrusted: true }
  const heartbeat: StationAnswer = { response: { currentTime: NOW }, flags: [] }

  /** A request as the codec decodes it, in its 1.6 form, with its dedupe key. */
  function received(o: EnvelopeOptions) {
    const { xml, messageId } = envelope(o)
    const req = decodeRequest(xml)
    return {
      req,
      request16: toRequest16(req),
      key: dedupeKeyOf(req.chargeBoxIdentity, messageId, xml),
      messageId,
    }
  }

  test('a 1.6 message: as received, our answer, the callback address; no normalized payload', () => {
    const { req, request16, key, messageId } = received({
      identity: 'CP-1',
      body: '<cs:heartbeatRequest/>',
      from: 'http://10.0.0.1/cp',
    })
    expect(journalEntryOf(req, request16, heartbeat, key, NOW, TRUSTED)).toEqual({
      stationId: 'CP-1',
      ocppVersion: '1.6',
      action: 'Heartbeat',
      messageId,
      receivedAt: NOW,
      from: 'http://10.0.0.1/cp',
      payload: {},
      response: { currentTime: NOW },
      quirks: [],
    })
  })

  test('a 1.5 message keeps its payload as received and carries its 1.6 form', () => {
    const { req, request16, key } = received({
      version: '1.5',
      body: '<cs:statusNotificationRequest><cs:connectorId>1</cs:connectorId><cs:status>Occupied</cs:status><cs:errorCode>Mode3Error</cs:errorCode></cs:statusNotificationRequest>',
    })
    const entry = journalEntryOf(req, request16, { response: {}, flags: [] }, key, NOW, TRUSTED)
    expect(entry.payload).toEqual({ connectorId: 1, status: 'Occupied', errorCode: 'Mode3Error' })
    expect(entry.normalizedPayload).toEqual({
      connectorId: 1,
      status: 'Charging',
      errorCode: 'EVCommunicationError',
    })
  })

  test("quirk flags in order: the codec's, the answer's, no-message-id, unknown-station, callback-refused", () => {
    const { req, request16, key } = received({ soap: '1.1', messageId: null, body: '<cs:heartbeatRequest/>' })
    const answered: StationAnswer = { response: { currentTime: NOW }, flags: ['unknown-transaction'] }
    const entry = journalEntryOf(req, request16, answered, key, NOW, {
      unknownStation: true,
      callbackTrusted: false,
    })
    expect(entry.quirks).toEqual([
      'soap11-envelope',
      'unknown-transaction',
      'no-message-id',
      'unknown-station',
      'callback-refused',
    ])
    expect(entry.messageId).toMatch(/^sha256:/)
  })

  test.each([
    ['an untrusted station (not Accepted)', 'http://10.0.0.1/cp', false],
    ['a file URL', 'file:///etc/passwd', true],
    ['credentials in the URL', 'http://u:p@cp.example.com/cp', true],
  ])('%s: no callback address, flagged callback-refused', (_name, from, trusted) => {
    const { req, request16, key } = received({ identity: 'CP-1', body: '<cs:heartbeatRequest/>', from })
    const entry = journalEntryOf(req, request16, heartbeat, key, NOW, {
      unknownStation: false,
      callbackTrusted: trusted,
    })
    expect(entry.from).toBeUndefined()
    expect(entry.quirks).toEqual(['callback-refused'])
  })
})
