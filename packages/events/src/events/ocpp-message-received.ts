import { Type } from 'typebox'
import { defineEvent, type EventData } from '../define-event.ts'
import { Streams } from '../streams.ts'
import { ocppMessageExamples } from './ocpp-message-examples.ts'

export const OcppMessageReceivedSchema = Type.Object(
  {
    stationId: Type.String({
      minLength: 1,
      maxLength: 255,
      description: 'Station identity (OCPP chargeBoxIdentity) as the station sent it.',
    }),
    ocppVersion: Type.Union([Type.Literal('1.5'), Type.Literal('1.6')], {
      description: 'OCPP version of the SOAP service the message arrived on.',
    }),
    action: Type.String({
      pattern: '^[A-Z][A-Za-z0-9]*$',
      maxLength: 64,
      description: 'OCPP action, e.g. `BootNotification`, `MeterValues`.',
    }),
    messageId: Type.String({
      minLength: 1,
      maxLength: 512,
      description: 'WS-Addressing MessageID of the request; the gateway also uses it for `Nats-Msg-Id`.',
    }),
    receivedAt: Type.String({
      format: 'date-time',
      description: 'When the gateway received the request (ISO 8601).',
    }),
    from: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 2048,
        description: "WS-Addressing From: the station's ChargePointService address for calls back to it.",
      }),
    ),
    payload: Type.Record(Type.String(), Type.Unknown(), {
      description: 'The decoded SOAP body of the request, in the version it arrived in.',
    }),
    normalizedPayload: Type.Optional(
      Type.Record(Type.String(), Type.Unknown(), {
        description:
          'The request converted to OCPP 1.6, the form business logic is written against. Set for 1.5 messages; ' +
          'for 1.6 messages `payload` already is that form.',
      }),
    ),
    response: Type.Optional(
      Type.Record(Type.String(), Type.Unknown(), {
        description:
          'The answer the gateway gave the station, in its OCPP 1.6 form (e.g. the StartTransaction ' +
          '`transactionId`). A retried message (same `Nats-Msg-Id`) is answered from this stored copy.',
      }),
    ),
    quirks: Type.Array(Type.String({ pattern: '^[a-z0-9]+(-[a-z0-9]+)*$', maxLength: 64 }), {
      maxItems: 32,
      description:
        'Deviations from the standard that the gateway tolerated (kebab-case flags), e.g. `soap11`.',
    }),
  },
  {
    additionalProperties: false,
    title: 'OCPP message received',
    description:
      'One request from a station, as received by the OCPP gateway (raw, before any domain logic).',
  },
)

export const OcppMessageReceived = defineEvent({
  name: 'ocpp.message.received',
  version: 1,
  stream: Streams.OCPP_IN,
  description:
    'A station request as the gateway received it, stored before the station gets its answer. Replaying ' +
    'these rebuilds everything ingest derives.',
  subject: 'ocpp.in.{version}.{station}.{action}',
  subjectParams: (e) => ({
    version: e.ocppVersion === '1.5' ? '1_5' : '1_6',
    station: e.stationId,
    action: e.action,
  }),
  schema: OcppMessageReceivedSchema,
  examples: ocppMessageExamples,
})

/**
 * A station message as the gateway stored it (the `ocpp.message.received` event's data): the raw journal
 * entry. Its typed OCPP 1.6 view is ingest's `TypedStationMessage`.
 */
export type StationMessage = EventData<typeof OcppMessageReceived>
