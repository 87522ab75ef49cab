import { type Outcome, outcomeOf, outcomeText } from '../../src/trace/outcome.ts'

/** A journal entry as the per-station view gives it: an answer or a fault. */
const answered = (response: Record<string, unknown> | null) => ({ fault: null, response })
const faulted = (subcode: string | null, errorCode: string | null) => ({
  response: null,
  fault: { code: 'Sender', subcode, reason: 'bad', errorCode },
})

test.each<[string, Parameters<typeof outcomeOf>[0], Outcome, string]>([
  [
    'a Heartbeat',
    answered({ currentTime: 'x' }),
    { kind: 'answered', detail: null, errorCode: null },
    'answered',
  ],
  [
    'a MeterValues (empty answer)',
    answered({}),
    { kind: 'answered', detail: null, errorCode: null },
    'answered',
  ],
  [
    'an Accepted boot',
    answered({ status: 'Accepted' }),
    { kind: 'answered', detail: null, errorCode: null },
    'answered',
  ],
  [
    'a Pending boot',
    answered({ status: 'Pending' }),
    { kind: 'pending', detail: null, errorCode: null },
    'pending',
  ],
  [
    'a Rejected boot',
    answered({ status: 'Rejected' }),
    { kind: 'rejected', detail: 'Rejected', errorCode: null },
    'rejected Rejected',
  ],
  [
    'an unknown vendor',
    answered({ status: 'UnknownVendorId' }),
    { kind: 'rejected', detail: 'UnknownVendorId', errorCode: null },
    'rejected UnknownVendorId',
  ],
  [
    'an Accepted tag',
    answered({ idTagInfo: { status: 'Accepted' } }),
    { kind: 'answered', detail: null, errorCode: null },
    'answered',
  ],
  [
    'a blocked tag',
    answered({ transactionId: 7, idTagInfo: { status: 'Blocked' } }),
    { kind: 'rejected', detail: 'Blocked', errorCode: null },
    'rejected Blocked',
  ],
  ['no recorded answer', answered(null), { kind: 'stored', detail: null, errorCode: null }, 'stored'],
  [
    'a fault with subcode and code',
    faulted('FormationViolation', 'OCPP_ERR_INVALID_PAYLOAD'),
    { kind: 'faulted', detail: 'FormationViolation', errorCode: 'OCPP_ERR_INVALID_PAYLOAD' },
    'faulted FormationViolation OCPP_ERR_INVALID_PAYLOAD',
  ],
  [
    'a bare Receiver fault',
    { response: null, fault: { code: 'Receiver', subcode: null, reason: 'x', errorCode: null } },
    { kind: 'faulted', detail: 'Receiver', errorCode: null },
    'faulted Receiver',
  ],
])('%s', (_name, entry, outcome, text) => {
  expect(outcomeOf(entry)).toEqual(outcome)
  expect(outcomeText(outcomeOf(entry))).toBe(text)
})
