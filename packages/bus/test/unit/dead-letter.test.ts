import { AppError } from '@chargebus/errors'
import { DeadLetterRecorded } from '@chargebus/events'
import type { JsMsg } from '@nats-io/jetstream'
import { headers } from '@nats-io/transport-node'
import { toDeadLetterRecord } from '../../src/dead-letter.ts'

/** The parts of a nats.js JsMsg the record reads (a third-party type, built as plain data). */
function aJsMsg(data: Uint8Array, hdrs = headers()): JsMsg {
  return {
    seq: 17,
    data,
    headers: hdrs,
    subject: 't1.ocpp.in.1_6.CP.Heartbeat',
    time: new Date('2025-03-01T10:00:00.000Z'),
    info: { deliveryCount: 5 },
  } as unknown as JsMsg
}

const context = {
  stream: 'OCPP_IN',
  consumer: 'ingest',
  subject: 'ocpp.in.1_6.CP.Heartbeat',
  reason: 'max-deliveries' as const,
  error: new AppError('DB_ERR_UNAVAILABLE', 'connection refused', { retryable: true }),
  maxDeliver: 5,
  now: new Date('2025-03-01T10:05:00.000Z'),
  maxPayloadBytes: 1024,
}

describe('toDeadLetterRecord', () => {
  test('copies subject, sequence, headers, text payload and the error into a valid record', () => {
    const h = headers()
    h.set('Nats-Msg-Id', 'm-1')
    h.set('Chargebus-Event', 'ocpp.message.received')
    h.set('Chargebus-Event-Version', '1')
    h.set('traceparent', '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01')
    const record = toDeadLetterRecord(aJsMsg(new TextEncoder().encode('{"a":1}'), h), context)

    expect(DeadLetterRecorded.issues(record)).toEqual([])
    expect(record).toEqual({
      stream: 'OCPP_IN',
      consumer: 'ingest',
      subject: 'ocpp.in.1_6.CP.Heartbeat',
      streamSequence: 17,
      event: { name: 'ocpp.message.received', version: 1 },
      msgId: 'm-1',
      headers: {
        'Nats-Msg-Id': ['m-1'],
        'Chargebus-Event': ['ocpp.message.received'],
        'Chargebus-Event-Version': ['1'],
        traceparent: ['00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01'],
      },
      payload: '{"a":1}',
      payloadEncoding: 'utf8',
      publishedAt: '2025-03-01T10:00:00.000Z',
      reason: 'max-deliveries',
      error: { code: 'DB_ERR_UNAVAILABLE', name: 'AppError', message: 'connection refused' },
      deliveryCount: 5,
      maxDeliver: 5,
      deadLetteredAt: '2025-03-01T10:05:00.000Z',
    })
  })

  test('binary payloads are base64, oversized ones omitted', () => {
    const binary = toDeadLetterRecord(aJsMsg(new Uint8Array([0xff, 0x00, 0xfe])), context)
    expect(binary).toMatchObject({ payload: '/wD+', payloadEncoding: 'base64' })
    expect(DeadLetterRecorded.check(binary)).toBe(true)

    const big = toDeadLetterRecord(aJsMsg(new Uint8Array(2048)), context)
    expect(big).toMatchObject({ payload: '', payloadEncoding: 'omitted', streamSequence: 17 })
  })

  test('a thrown non-Error is still recorded', () => {
    const record = toDeadLetterRecord(aJsMsg(new Uint8Array()), { ...context, error: 'boom' })
    expect(record.error).toEqual({ name: 'string', message: 'boom' })
    expect(DeadLetterRecorded.check(record)).toBe(true)
  })
})
