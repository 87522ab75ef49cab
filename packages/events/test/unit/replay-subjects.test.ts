import {
  replayLaneFilter,
  replayLaneSubject,
  Streams,
  subjectInLane,
  subjectMatches,
} from '@chargebus/events'

describe('replay lanes', () => {
  const subject = 'ocpp.in.1_6.CP-1.Heartbeat'

  test("a lane subject is in the REPLAY stream, in its consumer's lane only, and maps back", () => {
    const lane = replayLaneSubject('OCPP_IN', 'ingest', subject)
    expect(lane).toBe('replay.OCPP_IN.ingest.ocpp.in.1_6.CP-1.Heartbeat')
    expect(Streams.REPLAY.subjects.some((s) => subjectMatches(s, lane))).toBe(true)
    expect(subjectMatches(replayLaneFilter('OCPP_IN', 'ingest'), lane)).toBe(true)
    expect(subjectMatches(replayLaneFilter('OCPP_IN', 'ingest-2'), lane)).toBe(false)
    expect(subjectMatches(replayLaneFilter('DOMAIN', 'ingest'), lane)).toBe(false)
    expect(subjectMatches('ocpp.in.>', lane)).toBe(false)
    expect(subjectInLane('OCPP_IN', 'ingest', lane)).toBe(subject)
  })

  test("another lane's subject is left alone", () => {
    const other = replayLaneSubject('OCPP_IN', 'other', subject)
    expect(subjectInLane('OCPP_IN', 'ingest', other)).toBe(other)
  })

  test('a full REPLAY stream refuses the replay, never anything else', () => {
    expect(Streams.REPLAY.discard).toBe('new')
    expect(Streams.REPLAY.maxAgeMs).toBeLessThanOrEqual(Streams.OCPP_IN.maxAgeMs)
  })
})
