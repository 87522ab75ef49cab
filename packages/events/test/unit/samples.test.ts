import {
  catalog,
  NoSampleError,
  OcppMessageReceived,
  SessionStarted,
  sampleEvents,
  subjectMatches,
} from '../../src/index.ts'

describe('catalog examples', () => {
  test.each(catalog.map((e) => [`${e.name}@${e.version}`, e] as const))(
    '%s has examples that validate and whose subject fits its pattern',
    (_, def) => {
      expect(def.examples.length).toBeGreaterThan(0)
      for (const example of def.examples) {
        expect(def.issues(example)).toEqual([])
        const subject = def.subjectOf(example)
        expect(subjectMatches(def.subject.filter, subject)).toBe(true)
        expect(def.subject.parse(subject)).toBeDefined()
        expect(def.stream.subjects.some((s) => subjectMatches(s, subject))).toBe(true)
      }
    },
  )
})

describe('sampleEvents', () => {
  test.each(catalog.map((e) => [e.name, e] as const))('%s: every sample by name is valid', (name, def) => {
    const samples = sampleEvents(name)
    expect(samples).toHaveLength(def.examples.length)
    for (const s of samples) {
      expect(s).toMatchObject({ event: def.name, version: def.version })
      expect(def.check(s.data)).toBe(true)
      expect(s.subject).toBe(def.subjectOf(s.data as never))
    }
  })

  test('puts each station into every example, encoding it in the subject', () => {
    const samples = sampleEvents('session.started@1', { stations: ['CP.7', 'B'] })
    expect(samples.map((s) => s.subject)).toEqual(['session.CP%2E7.started', 'session.B.started'])
    expect(samples.map((s) => (s.data as { stationId: string }).stationId)).toEqual(['CP.7', 'B'])
    expect(SessionStarted.examples[0]?.stationId).toBe('CP-0001') // the catalog's copy is untouched
  })

  test('a subject picks the matching example and its station; * matches any', () => {
    const [start, ...rest] = sampleEvents('ocpp.in.1_6.CP%2E9.StartTransaction')
    expect(rest).toEqual([])
    expect(start?.subject).toBe('ocpp.in.1_6.CP%2E9.StartTransaction')
    expect(start?.data).toMatchObject({ stationId: 'CP.9', action: 'StartTransaction' })
    const statuses = sampleEvents('ocpp.in.*.*.StatusNotification')
    expect(statuses.length).toBe(2)
    expect(sampleEvents('ocpp.in.1_5.*.*').map((s) => (s.data as { action: string }).action)).toEqual([
      'Heartbeat',
    ])
  })

  test('--count makes distinct, valid copies', () => {
    const samples = sampleEvents('ocpp.in.1_6.*.Heartbeat', { count: 3 })
    const data = samples.map((s) => OcppMessageReceived.parse(s.data))
    expect(new Set(data.map((d) => d.messageId)).size).toBe(3)
    expect(data.map((d) => d.receivedAt)).toEqual([
      '2026-11-26T11:05:00.000Z',
      '2026-11-26T11:05:01.000Z',
      '2026-11-26T11:05:02.000Z',
    ])
  })

  test.each([
    ['an unknown name', 'no.such.event', {}],
    ['a subject matching no example', 'ocpp.in.1_6.CP-1.NoSuchAction', {}],
    ['a station for an event without one', 'dead-letter.recorded', { stations: ['CP-1'] }],
    ['a zero count', 'session.started', { count: 0 }],
  ])('refuses %s with a NoSampleError', (_, query, opts) => {
    expect(() => sampleEvents(query, opts)).toThrow(NoSampleError)
  })

  test('the error lists what the catalog has', () => {
    expect(() => sampleEvents('nope')).toThrow(/ocpp\.message\.received \(ocpp\.in\.\{version\}/)
  })
})
