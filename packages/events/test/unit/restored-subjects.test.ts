import { originalSubject, restoredSubject, restoredSubjects, subjectMatches } from '@chargebus/events'

describe('restored subjects', () => {
  const subject = 'ocpp.in.1_6.CP-1.Heartbeat'

  test('a restored copy sits under its restore stream and maps back to the original subject', () => {
    const restored = restoredSubject('RESTORED_OCPP_IN', subject)
    expect(restored).toBe('restored.RESTORED_OCPP_IN.ocpp.in.1_6.CP-1.Heartbeat')
    expect(subjectMatches(restoredSubjects('RESTORED_OCPP_IN'), restored)).toBe(true)
    expect(subjectMatches('ocpp.in.>', restored)).toBe(false)
    expect(originalSubject('RESTORED_OCPP_IN', restored)).toBe(subject)
  })

  test('subjects of a catalog stream, or of another restore stream, are left alone', () => {
    expect(originalSubject('OCPP_IN', subject)).toBe(subject)
    const other = restoredSubject('RESTORED_A', subject)
    expect(originalSubject('RESTORED_B', other)).toBe(other)
  })
})
