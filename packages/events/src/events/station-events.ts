import { Type } from 'typebox'
import { defineEvent } from '../define-event.ts'
import { Streams } from '../streams.ts'

/*
 * Station lifecycle events derived by ingest from station messages (stream DOMAIN). Each is published after
 * the rows it describes are committed, with a Nats-Msg-Id derived from the source message, so a republish
 * after a crash is stored once.
 */

const StationId = Type.String({ minLength: 1, maxLength: 255, description: 'Station identity.' })
const DateTime = (description: string) => Type.String({ format: 'date-time', description })
const SourceMessageId = Type.String({
  minLength: 1,
  description: 'messageId of the `ocpp.message.received` event this was derived from.',
})

export const StationRegisteredSchema = Type.Object(
  {
    stationId: StationId,
    registrationStatus: Type.Union(
      [Type.Literal('Accepted'), Type.Literal('Pending'), Type.Literal('Rejected')],
      {
        description: 'What the gateway answered the BootNotification (Pending ones wait for an operator).',
      },
    ),
    ocppVersion: Type.Union([Type.Literal('1.5'), Type.Literal('1.6')]),
    vendor: Type.String(),
    model: Type.String(),
    serial: Type.Optional(Type.String()),
    firmwareVersion: Type.Optional(Type.String()),
    endpointUrl: Type.Optional(Type.String({ description: "The station's ChargePointService address." })),
    heartbeatIntervalS: Type.Optional(Type.Integer({ description: 'Interval given in the answer.' })),
    bootedAt: DateTime('When the gateway received the BootNotification.'),
    sourceMessageId: SourceMessageId,
  },
  { additionalProperties: false, title: 'Station registered' },
)

export const StationRegistered = defineEvent({
  name: 'station.registered',
  version: 1,
  stream: Streams.DOMAIN,
  description:
    'A station booted (BootNotification) and got a registration status; one per boot newer than the last one applied.',
  subject: 'station.{station}.registered',
  subjectParams: (e) => ({ station: e.stationId }),
  schema: StationRegisteredSchema,
  examples: [
    {
      stationId: 'CP-0001',
      registrationStatus: 'Accepted',
      ocppVersion: '1.6',
      vendor: 'ACME',
      model: 'Fast-1',
      serial: 'SN-0001',
      firmwareVersion: '1.4.2',
      endpointUrl: 'http://10.0.0.7:8080/ChargePointService',
      heartbeatIntervalS: 300,
      bootedAt: '2026-11-26T10:00:00.000Z',
      sourceMessageId: 'urn:uuid:0f1e2d3c-4b5a-4697-8877-a6b5c4d3e2f1',
    },
  ],
})

export const StationOnlineSchema = Type.Object(
  {
    stationId: StationId,
    offlineSince: DateTime('When the station had been declared offline.'),
    at: DateTime('receivedAt of the message that showed it alive again.'),
    sourceMessageId: SourceMessageId,
  },
  { additionalProperties: false, title: 'Station online' },
)

export const StationOnline = defineEvent({
  name: 'station.online',
  version: 1,
  stream: Streams.DOMAIN,
  description: 'A station that was offline spoke again.',
  subject: 'station.{station}.online',
  subjectParams: (e) => ({ station: e.stationId }),
  schema: StationOnlineSchema,
  examples: [
    {
      stationId: 'CP-0001',
      offlineSince: '2026-11-26T09:30:00.000Z',
      at: '2026-11-26T10:00:00.000Z',
      sourceMessageId: 'urn:uuid:0f1e2d3c-4b5a-4697-8877-a6b5c4d3e2f1',
    },
  ],
})

export const StationOfflineSchema = Type.Object(
  {
    stationId: StationId,
    lastSeenAt: DateTime('The last time the gateway received anything from it.'),
    offlineSince: DateTime('When ingest declared it offline.'),
    heartbeatIntervalS: Type.Integer({ minimum: 1, description: 'The interval the overdue check used.' }),
  },
  { additionalProperties: false, title: 'Station offline' },
)

export const StationOffline = defineEvent({
  name: 'station.offline',
  version: 1,
  stream: Streams.DOMAIN,
  description:
    "A station's heartbeat is overdue (nothing received for a multiple of its heartbeat interval); found by ingest's periodic sweep.",
  subject: 'station.{station}.offline',
  subjectParams: (e) => ({ station: e.stationId }),
  schema: StationOfflineSchema,
  examples: [
    {
      stationId: 'CP-0001',
      lastSeenAt: '2026-11-26T09:15:00.000Z',
      offlineSince: '2026-11-26T09:30:00.000Z',
      heartbeatIntervalS: 300,
    },
  ],
})

export const StationClockSkewedSchema = Type.Object(
  {
    stationId: StationId,
    skewMs: Type.Integer({ description: 'Station timestamp minus receivedAt (+ = station ahead).' }),
    thresholdMs: Type.Integer({ minimum: 0 }),
    stationTimestamp: DateTime('The timestamp the station sent.'),
    receivedAt: DateTime('When the gateway received it.'),
    sourceMessageId: SourceMessageId,
  },
  { additionalProperties: false, title: 'Station clock skewed' },
)

export const StationClockSkewed = defineEvent({
  name: 'station.clock_skewed',
  version: 1,
  stream: Streams.DOMAIN,
  description:
    "Data quality: a station's clock (StatusNotification timestamp vs receivedAt) went beyond the skew threshold; published when it crosses it, not for every message.",
  subject: 'station.{station}.clock_skewed',
  subjectParams: (e) => ({ station: e.stationId }),
  schema: StationClockSkewedSchema,
  examples: [
    {
      stationId: 'CP-0001',
      skewMs: 420000,
      thresholdMs: 300000,
      stationTimestamp: '2026-11-26T10:09:00.000Z',
      receivedAt: '2026-11-26T10:02:00.000Z',
      sourceMessageId: 'urn:uuid:8a4f3c2e-1d0b-4e9a-b8c7-d6e5f4a3b2c1',
    },
  ],
})
