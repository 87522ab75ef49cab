import { Type } from 'typebox'
import { defineEvent } from '../define-event.ts'
import { Streams } from '../streams.ts'
import { subjectTemplate } from '../subject-pattern.ts'

/** Longest excerpt of a faulted request kept in the journal. */
export const FAULT_EXCERPT_MAX = 2048

export const OcppRequestFaultedSchema = Type.Object(
  {
    stationId: Type.String({
      minLength: 1,
      maxLength: 255,
      description: 'Station identity (OCPP chargeBoxIdentity), authenticated before the fault was journaled.',
    }),
    ocppVersion: Type.Union([Type.Literal('1.5'), Type.Literal('1.6')]),
    action: Type.String({ pattern: '^[A-Z][A-Za-z0-9]*$', maxLength: 64, description: 'OCPP action.' }),
    messageId: Type.Optional(
      Type.String({ minLength: 1, maxLength: 512, description: 'WS-Addressing MessageID, when it had one.' }),
    ),
    receivedAt: Type.String({ format: 'date-time', description: 'When the gateway received the request.' }),
    fault: Type.Object(
      {
        code: Type.String({ description: 'SOAP fault code (`Sender`, `Receiver`).' }),
        subcode: Type.Optional(
          Type.String({ description: 'OCPP fault subcode, e.g. `FormationViolation`.' }),
        ),
        reason: Type.String({ maxLength: 1024, description: 'The fault text the station got.' }),
        errorCode: Type.Optional(
          Type.String({ description: 'Our error code, e.g. `OCPP_ERR_INVALID_PAYLOAD`.' }),
        ),
      },
      { additionalProperties: false },
    ),
    requestExcerpt: Type.String({
      maxLength: FAULT_EXCERPT_MAX,
      description: `The request body as received, cut at ${FAULT_EXCERPT_MAX} characters.`,
    }),
  },
  {
    additionalProperties: false,
    title: 'OCPP request faulted',
    description: 'A request of an authenticated station that the gateway answered with a SOAP fault.',
  },
)

export const OcppRequestFaulted = defineEvent({
  name: 'ocpp.request.faulted',
  version: 1,
  stream: Streams.OCPP_IN,
  description:
    'A request the gateway answered with a fault, journaled best effort (never delaying the answer) for ' +
    'stations that passed authentication only, rate-limited per station: what an operator debugging a ' +
    'station needs beside what it stored.',
  subject: 'ocpp.fault.{version}.{station}.{action}',
  subjectParams: (e) => ({
    version: e.ocppVersion === '1.5' ? '1_5' : '1_6',
    station: e.stationId,
    action: e.action,
  }),
  schema: OcppRequestFaultedSchema,
  examples: [
    {
      stationId: 'CP-0001',
      ocppVersion: '1.6',
      action: 'MeterValues',
      messageId: 'urn:uuid:6f1c2a4e-8b3d-4e5f-9a7b-1c2d3e4f5a6b',
      receivedAt: '2026-11-26T10:05:00.000Z',
      fault: {
        code: 'Sender',
        subcode: 'FormationViolation',
        reason: 'OCPP_ERR_INVALID_PAYLOAD: MeterValuesRequest/connectorId: expected an integer',
        errorCode: 'OCPP_ERR_INVALID_PAYLOAD',
      },
      requestExcerpt:
        '<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Header>…</s:Header><s:Body>' +
        '<meterValuesRequest xmlns="urn://Ocpp/Cs/2015/10/"><connectorId>one</connectorId>…',
    },
  ],
})

const journal = subjectTemplate('ocpp.{kind}.{version}.{station}.{action}')

/**
 * The subjects of one station's journal: what the gateway stored (`ocpp.in.…`) and the faults it answered
 * (`ocpp.fault.…`), for one action or all.
 *
 * ### Examples
 * ```ts
 * stationJournalFilter({ station: 'CP.1' })                      // 'ocpp.*.*.CP%2E1.*'
 * stationJournalFilter({ station: 'CP-1', action: 'Heartbeat' }) // 'ocpp.*.*.CP-1.Heartbeat'
 * ```
 */
export function stationJournalFilter(params: { station: string; action?: string | undefined }): string {
  return journal.filterFor(
    params.action === undefined
      ? { station: params.station }
      : { station: params.station, action: params.action },
  )
}
