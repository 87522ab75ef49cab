import { Type } from 'typebox'
import { defineEvent } from '../define-event.ts'
import { Streams } from '../streams.ts'

const StationId = Type.String({ minLength: 1, maxLength: 255 })
const TransactionId = Type.Integer({ minimum: 1, description: 'The transactionId the gateway gave.' })
const DateTime = (description?: string) =>
  Type.String(description ? { format: 'date-time', description } : { format: 'date-time' })

export const SessionStartedSchema = Type.Object(
  {
    stationId: StationId,
    transactionId: TransactionId,
    connectorId: Type.Integer({ minimum: 0 }),
    idTag: Type.String(),
    idTagStatus: Type.Optional(Type.String({ description: 'idTagInfo.status answered to the station.' })),
    meterStartWh: Type.Integer(),
    startedAt: DateTime('Station timestamp of the start.'),
    sourceMessageId: Type.String({ minLength: 1 }),
  },
  { additionalProperties: false, title: 'Session started' },
)

export const SessionStarted = defineEvent({
  name: 'session.started',
  version: 1,
  stream: Streams.DOMAIN,
  description: 'A charging session started on a connector (first StartTransaction seen for the id).',
  subject: 'session.{station}.started',
  subjectParams: (e) => ({ station: e.stationId }),
  schema: SessionStartedSchema,
  examples: [
    {
      stationId: 'CP-0001',
      transactionId: 1001,
      connectorId: 1,
      idTag: 'TAG-0001',
      idTagStatus: 'Accepted',
      meterStartWh: 12000,
      startedAt: '2026-11-26T10:01:00.000Z',
      sourceMessageId: 'urn:uuid:1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f',
    },
  ],
})

export const SessionCompletedSchema = Type.Object(
  {
    stationId: StationId,
    transactionId: TransactionId,
    connectorId: Type.Integer({ minimum: 0 }),
    idTag: Type.Optional(Type.String()),
    startedAt: DateTime(),
    stoppedAt: DateTime(),
    meterStartWh: Type.Integer(),
    meterStopWh: Type.Integer(),
    energyWh: Type.Integer({
      description: 'meterStop - meterStart (negative: the register went backwards).',
    }),
    durationS: Type.Integer(),
    stopReason: Type.Optional(Type.String({ description: 'OCPP Reason; absent means Local.' })),
    sourceMessageId: Type.String({
      minLength: 1,
      description: 'The StopTransaction, or the StartTransaction when the stop arrived first.',
    }),
  },
  { additionalProperties: false, title: 'Session completed' },
)

export const SessionCompleted = defineEvent({
  name: 'session.completed',
  version: 1,
  stream: Streams.DOMAIN,
  description:
    'A charging session has both its start and its stop (in whichever order they arrived), with energy and duration.',
  subject: 'session.{station}.completed',
  subjectParams: (e) => ({ station: e.stationId }),
  schema: SessionCompletedSchema,
  examples: [
    {
      stationId: 'CP-0001',
      transactionId: 1001,
      connectorId: 1,
      idTag: 'TAG-0001',
      startedAt: '2026-11-26T10:01:00.000Z',
      stoppedAt: '2026-11-26T11:01:00.000Z',
      meterStartWh: 12000,
      meterStopWh: 23500,
      energyWh: 11500,
      durationS: 3600,
      stopReason: 'EVDisconnected',
      sourceMessageId: 'urn:uuid:2d3e4f5a-6b7c-4d8e-9f0a-1b2c3d4e5f6a',
    },
  ],
})

export const SessionOverdueSchema = Type.Object(
  {
    stationId: StationId,
    transactionId: TransactionId,
    connectorId: Type.Optional(Type.Integer({ minimum: 0 })),
    startedAt: DateTime(),
    openForS: Type.Integer({ minimum: 0 }),
    thresholdS: Type.Integer({ minimum: 1 }),
    detectedAt: DateTime(),
  },
  { additionalProperties: false, title: 'Session overdue' },
)

export const SessionOverdue = defineEvent({
  name: 'session.overdue',
  version: 1,
  stream: Streams.DOMAIN,
  description: 'Data quality: a session has been open longer than the threshold (reported once per session).',
  subject: 'session.{station}.overdue',
  subjectParams: (e) => ({ station: e.stationId }),
  schema: SessionOverdueSchema,
  examples: [
    {
      stationId: 'CP-0001',
      transactionId: 1001,
      connectorId: 1,
      startedAt: '2026-11-26T10:01:00.000Z',
      openForS: 90000,
      thresholdS: 86400,
      detectedAt: '2026-11-27T11:01:00.000Z',
    },
  ],
})
