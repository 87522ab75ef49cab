import {
  allStreams,
  catalog,
  catalogDocs,
  DeadLetterRecorded,
  type EventData,
  findEvent,
  InvalidEventError,
  OcppMessageReceived,
  Streams,
  subjectMatches,
} from '../../src/index.ts'

/** A valid raw station message; tests override what they care about. */
function aStationMessage(overrides: Partial<EventData<typeof OcppMessageReceived>> = {}) {
  return {
    stationId: 'CP-0001',
    ocppVersion: '1.6' as const,
    action: 'BootNotification',
    messageId: 'urn:uuid:5c1f0f7e-5d0b-4a4b-9a39-8f3f0e0a0001',
    receivedAt: '2025-03-01T10:00:00.000Z',
    from: 'http://10.0.0.7:8080/ChargePointService',
    payload: { chargePointVendor: 'ACME', chargePointModel: 'Fast-1' },
    quirks: [],
    ...overrides,
  }
}

function aDeadLetter(overrides: Partial<EventData<typeof DeadLetterRecorded>> = {}) {
  return {
    stream: 'OCPP_IN',
    consumer: 'ingest',
    subject: 'ocpp.in.1_6.CP-0001.BootNotification',
    streamSequence: 42,
    headers: { 'Nats-Msg-Id': ['m-1'] },
    payload: '{"a":1}',
    payloadEncoding: 'utf8' as const,
    publishedAt: '2025-03-01T10:00:00.000Z',
    reason: 'max-deliveries' as const,
    error: { code: 'DB_ERR_UNAVAILABLE', name: 'DbUnavailable', message: 'connection refused' },
    deliveryCount: 5,
    maxDeliver: 5,
    deadLetteredAt: '2025-03-01T10:05:00.000Z',
    ...overrides,
  }
}

describe('OcppMessageReceived', () => {
  test.each([
    ['a full message', aStationMessage()],
    ['without callback address', (({ from: _, ...m }) => m)(aStationMessage())],
    ['OCPP 1.5 with quirks', aStationMessage({ ocppVersion: '1.5', quirks: ['soap11', 'missing-wsa-to'] })],
    ['an identity with dots and spaces', aStationMessage({ stationId: 'CP 01.main' })],
  ])('accepts %s', (_, message) => {
    expect(OcppMessageReceived.check(message)).toBe(true)
    expect(OcppMessageReceived.parse(message)).toBe(message)
  })

  test.each([
    ['an unknown version', { ocppVersion: '2.0.1' }, '/ocppVersion'],
    ['an empty station', { stationId: '' }, '/stationId'],
    ['a lowercase action', { action: 'bootNotification' }, '/action'],
    ['an action with a dot', { action: 'Boot.Notification' }, '/action'],
    ['a date that is not ISO', { receivedAt: 'yesterday' }, '/receivedAt'],
    ['a payload that is not an object', { payload: 'x' }, '/payload'],
    ['a quirk that is not kebab-case', { quirks: ['Soap 1.1'] }, '/quirks/0'],
    ['an unknown field', { extra: 1 }, ''],
  ])('rejects %s', (_, overrides, path) => {
    const message = { ...aStationMessage(), ...overrides }
    expect(OcppMessageReceived.check(message)).toBe(false)
    expect(OcppMessageReceived.issues(message).map((i) => i.path)).toContain(path)
    expect(() => OcppMessageReceived.parse(message)).toThrow(InvalidEventError)
  })

  test('a missing field is named in the error', () => {
    const { messageId: _, ...message } = aStationMessage()
    const err = (() => {
      try {
        OcppMessageReceived.parse(message)
      } catch (e) {
        return e as InvalidEventError
      }
    })()
    expect(err?.code).toBe('EVENTS_ERR_INVALID_EVENT')
    expect(err?.message).toContain('ocpp.message.received@1')
    expect(err?.issues.some((i) => i.message.includes('messageId'))).toBe(true)
  })

  test.each([
    [
      { ocppVersion: '1.6' as const, stationId: 'CP-0001', action: 'Heartbeat' },
      'ocpp.in.1_6.CP-0001.Heartbeat',
    ],
    [
      { ocppVersion: '1.5' as const, stationId: 'CP.7', action: 'MeterValues' },
      'ocpp.in.1_5.CP%2E7.MeterValues',
    ],
    [
      { ocppVersion: '1.6' as const, stationId: 'DE*ACM*E1 2', action: 'StartTransaction' },
      'ocpp.in.1_6.DE%2AACM%2AE1%202.StartTransaction',
    ],
    [
      { ocppVersion: '1.6' as const, stationId: 'urn:cp:7', action: 'Authorize' },
      'ocpp.in.1_6.urn:cp:7.Authorize',
    ],
  ])('subject of %j is %s', (fields, subject) => {
    expect(OcppMessageReceived.subjectOf(aStationMessage(fields))).toBe(subject)
  })
})

describe('DeadLetterRecorded', () => {
  test('accepts a record and builds dlq.<stream>.<consumer>', () => {
    const record = aDeadLetter()
    expect(DeadLetterRecorded.check(record)).toBe(true)
    expect(DeadLetterRecorded.subjectOf(record)).toBe('dlq.OCPP_IN.ingest')
  })

  test.each([
    ['a zero sequence', { streamSequence: 0 }],
    ['an unknown reason', { reason: 'bored' as 'max-deliveries' }],
    ['a record without error', { error: undefined as never }],
  ])('rejects %s', (_, overrides) => {
    expect(DeadLetterRecorded.check({ ...aDeadLetter(), ...overrides })).toBe(false)
  })
})

describe('catalog', () => {
  test.each(catalog.map((e) => [`${e.name}@${e.version}`, e] as const))(
    '%s lives in a declared stream that covers its subject',
    (_, e) => {
      expect(allStreams).toContain(e.stream)
      expect(e.stream.subjects.some((s) => subjectMatches(s, e.subject.filter))).toBe(true)
      expect(e.description.length).toBeGreaterThan(0)
    },
  )

  test('name and version identify one event', () => {
    const keys = catalog.map((e) => `${e.name}@${e.version}`)
    expect(new Set(keys).size).toBe(keys.length)
    expect(findEvent('ocpp.message.received', 1)).toBe(OcppMessageReceived)
    expect(findEvent('ocpp.message.received', 2)).toBeUndefined()
  })

  test('streams do not overlap and have production limits', () => {
    const subjects = allStreams.flatMap((s) => s.subjects)
    for (const a of subjects) for (const b of subjects) if (a !== b) expect(subjectMatches(a, b)).toBe(false)
    for (const s of allStreams) {
      expect(s.duplicateWindowMs).toBe(120_000)
      expect(s.maxAgeMs).toBeGreaterThan(0)
      expect(s.maxBytes).toBeGreaterThan(0)
      expect(s.devMaxBytes).toBeLessThanOrEqual(64 * 1024 * 1024)
      // A full stream drops its oldest (archived) messages; it never refuses a station. Only REPLAY, which
      // operators fill, refuses instead (a replay waits; station traffic never goes there).
      expect(s.discard).toBe(s === Streams.REPLAY ? 'new' : 'old')
    }
    expect(Streams.DEAD_LETTERS.discard).toBe('old')
  })

  test('docs list every stream and event', () => {
    const md = catalogDocs()
    for (const s of allStreams) expect(md).toContain(`| ${s.name} |`)
    for (const e of catalog) expect(md).toContain(`### ${e.name} v${e.version}`)
    expect(md).toContain('| stationId | string | yes |')
  })
})
