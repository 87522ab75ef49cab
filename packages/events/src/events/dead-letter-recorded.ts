import { Type } from 'typebox'
import { defineEvent } from '../define-event.ts'
import { Streams } from '../streams.ts'

export const DeadLetterRecordedSchema = Type.Object(
  {
    stream: Type.String({
      minLength: 1,
      description: 'Logical stream of the original message, e.g. `OCPP_IN`.',
    }),
    consumer: Type.String({ minLength: 1, description: 'Durable consumer that gave up on it.' }),
    subject: Type.String({ minLength: 1, description: 'Logical subject of the original message.' }),
    streamSequence: Type.Integer({
      minimum: 1,
      description: 'Sequence of the original in its stream (it stays there until it ages out).',
    }),
    event: Type.Optional(
      Type.Object(
        { name: Type.String(), version: Type.Integer({ minimum: 1 }) },
        { description: 'Catalog event the original claimed to be, from its headers.' },
      ),
    ),
    msgId: Type.Optional(Type.String({ description: 'Nats-Msg-Id of the original.' })),
    headers: Type.Record(Type.String(), Type.Array(Type.String()), {
      description: 'All headers of the original (trace context included).',
    }),
    payload: Type.String({ description: 'The original payload: text when it is valid UTF-8, else base64.' }),
    payloadEncoding: Type.Union([Type.Literal('utf8'), Type.Literal('base64'), Type.Literal('omitted')], {
      description:
        '`omitted` when the payload was too large to copy; read it by `stream` + `streamSequence`.',
    }),
    publishedAt: Type.String({ format: 'date-time', description: 'When the original was stored.' }),
    reason: Type.Union(
      [
        Type.Literal('max-deliveries'),
        Type.Literal('non-retryable'),
        Type.Literal('invalid-event'),
        Type.Literal('unknown-event'),
      ],
      {
        description:
          'Why: retries exhausted, an error that retrying cannot fix, a payload failing its schema, or a ' +
          'message matching no event the consumer knows.',
      },
    ),
    error: Type.Object(
      {
        code: Type.Optional(Type.String({ description: 'AppError code, when the error had one.' })),
        name: Type.String(),
        message: Type.String(),
      },
      { description: 'The last error.' },
    ),
    deliveryCount: Type.Integer({
      minimum: 1,
      description: 'Deliveries of the original, the last included.',
    }),
    maxDeliver: Type.Integer({ minimum: 1, description: "The consumer's delivery limit." }),
    deadLetteredAt: Type.String({ format: 'date-time' }),
  },
  {
    additionalProperties: false,
    title: 'Dead letter recorded',
    description: 'A message a consumer gave up on, with everything needed to inspect and replay it.',
  },
)

export const DeadLetterRecorded = defineEvent({
  name: 'dead-letter.recorded',
  version: 1,
  stream: Streams.DEAD_LETTERS,
  description:
    'Published by the bus when a consumer gives up on a message; the original is then terminated ' +
    '(never before this record is stored).',
  subject: 'dlq.{stream}.{consumer}',
  subjectParams: (e) => ({ stream: e.stream, consumer: e.consumer }),
  schema: DeadLetterRecordedSchema,
  examples: [
    {
      stream: 'OCPP_IN',
      consumer: 'ingest',
      subject: 'ocpp.in.1_6.CP-0001.MeterValues',
      streamSequence: 4242,
      event: { name: 'ocpp.message.received', version: 1 },
      msgId: 'CP-0001/urn:uuid:3e2d1c0b-9a8f-4e7d-8c6b-5a4f3e2d1c0b',
      headers: {
        'Nats-Msg-Id': ['CP-0001/urn:uuid:3e2d1c0b-9a8f-4e7d-8c6b-5a4f3e2d1c0b'],
        'Chargebus-Event': ['ocpp.message.received'],
        'Chargebus-Event-Version': ['1'],
      },
      payload: '{"stationId":"CP-0001","action":"MeterValues"}',
      payloadEncoding: 'utf8',
      publishedAt: '2026-11-26T10:03:00.000Z',
      reason: 'invalid-event',
      error: {
        code: 'EVENTS_ERR_INVALID_EVENT',
        name: 'InvalidEventError',
        message: 'invalid event: / must have required property ocppVersion',
      },
      deliveryCount: 1,
      maxDeliver: 5,
      deadLetteredAt: '2026-11-26T10:03:00.050Z',
    },
  ],
})
