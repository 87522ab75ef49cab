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
})
