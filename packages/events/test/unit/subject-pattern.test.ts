import { InvalidSubjectPatternError, subjectMatches, subjectTemplate } from '../../src/index.ts'

describe('subjectTemplate', () => {
  const t = subjectTemplate('ocpp.in.{version}.{station}.{action}')

  test('derives the NATS filter', () => {
    expect(t.filter).toBe('ocpp.in.*.*.*')
  })

  test('derives a filter with some placeholders fixed, encoded like a built subject', () => {
    const filter = t.filterFor({ station: 'CP.1 *main*' })
    expect(filter).toBe('ocpp.in.*.CP%2E1%20%2Amain%2A.*')
    expect(
      subjectMatches(filter, t.build({ version: '1_5', station: 'CP.1 *main*', action: 'Heartbeat' })),
    ).toBe(true)
    expect(subjectMatches(filter, t.build({ version: '1_5', station: 'CP.1', action: 'Heartbeat' }))).toBe(
      false,
    )
    expect(t.filterFor({})).toBe(t.filter)
  })

  test.each([
    [{ version: '1_6', station: 'CP-1', action: 'Heartbeat' }, 'ocpp.in.1_6.CP-1.Heartbeat'],
    [
      { version: '1_5', station: 'CP.1 *main*', action: 'MeterValues' },
      'ocpp.in.1_5.CP%2E1%20%2Amain%2A.MeterValues',
    ],
    [{ version: '1_6', station: 'urn:cp:9', action: 'Authorize' }, 'ocpp.in.1_6.urn:cp:9.Authorize'],
  ])('builds and parses %j', (params, subject) => {
    expect(t.build(params)).toBe(subject)
    expect(t.parse(subject)).toEqual(params)
    expect(subjectMatches(t.filter, subject)).toBe(true)
  })

  test.each([
    'ocpp.in.1_6.CP-1',
    'ocpp.in.1_6.CP-1.Heartbeat.extra',
    'ocpp.out.1_6.CP-1.Heartbeat',
    'ocpp.in.1_6.CP%2e1.Heartbeat',
  ])('does not parse %j', (subject) => {
    expect(t.parse(subject)).toBeUndefined()
  })

  test('refuses to build an empty token', () => {
    expect(() => t.build({ version: '1_6', station: '', action: 'Heartbeat' })).toThrow('empty')
  })

  test.each(['a..b', 'a.*.b', 'a.>', 'a.{x}.{x}', 'a.{x y}', 'a.b c'])('rejects pattern %j', (pattern) => {
    expect(() => subjectTemplate(pattern)).toThrow(InvalidSubjectPatternError)
  })
})

describe('subjectMatches', () => {
  test.each([
    ['ocpp.in.>', 'ocpp.in.1_6.CP.Heartbeat', true],
    ['ocpp.in.>', 'ocpp.in', false],
    ['ocpp.in.*', 'ocpp.in.x', true],
    ['ocpp.in.*', 'ocpp.in.x.y', false],
    ['a.*.c', 'a.b.c', true],
    ['a.*.c', 'a.b.d', false],
    ['a.b', 'a.b', true],
    ['a.b', 'a.b.c', false],
    ['>', 'a', true],
  ])('%s matches %s: %s', (filter, subject, expected) => {
    expect(subjectMatches(filter, subject)).toBe(expected)
  })
})
