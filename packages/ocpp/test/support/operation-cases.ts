import type { TObject } from 'typebox'
import { decodeResponse, OCPP_VERSIONS, ocppServices } from '../../src/index.ts'
import type { OcppVersion } from '../../src/namespaces.ts'
import type { SampleMode } from './samples.ts'

export const MODES: SampleMode[] = ['full', 'minimal']

/** `[version, operation, mode, schemas]` for every operation of one service in both versions and both modes. */
export function operationCases(role: 'centralSystem' | 'chargePoint') {
  return OCPP_VERSIONS.flatMap((version) =>
    Object.entries(
      ocppServices[version][role].operations as Record<string, { request: TObject; response: TObject }>,
    ).flatMap(([operation, schemas]) => MODES.map((mode) => [version, operation, mode, schemas] as const)),
  )
}

/** A station's reply to our ChargePointService call decodes to `expected`, without quirks. */
export function expectReplyDecodes(
  body: string,
  call: { ocppVersion: OcppVersion; operation: string; messageId: string },
  expected: unknown,
): void {
  const decoded = decodeResponse(body, {
    ocppVersion: call.ocppVersion,
    operation: call.operation as 'Reset',
    messageId: call.messageId,
  })
  expect(decoded.payload).toEqual(expected)
  expect(decoded.quirks).toEqual([])
}

/** `[version, operation, schemas]` for every operation of one service in both versions. */
export function operationSchemas(role: 'centralSystem' | 'chargePoint') {
  return OCPP_VERSIONS.flatMap((version) =>
    Object.entries(
      ocppServices[version][role].operations as Record<string, { request: TObject; response: TObject }>,
    ).map(([operation, schemas]) => [version, operation, schemas] as const),
  )
}
