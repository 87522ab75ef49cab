import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { TObject } from 'typebox'
import { encodeCpResponse, encodeCsRequest, OCPP_VERSIONS, ocppServices } from '../../src/index.ts'
import { sampleOf } from '../support/samples.ts'
import { describeWithSpec, officialWsdl, runXsdCheck, xsdWorkDir } from '../support/xsd-check.ts'

/**
 * The station side of the codec against independent tooling: every CentralSystemService request a station sends
 * (`encodeCsRequest`) and every ChargePointService reply it gives (`encodeCpResponse`), all operations of both
 * versions, full and minimal, validated by lxml against the XML Schema of the OFFICIAL WSDLs.
 */
describeWithSpec('station-side messages against the official OCPP schemas (lxml)', () => {
  const dir = xsdWorkDir('ocpp-station-xsd-')

  test('all valid', () => {
    const messages: { file: string; wsdl: string }[] = []
    for (const version of OCPP_VERSIONS) {
      for (const mode of ['full', 'minimal'] as const) {
        const cs = ocppServices[version].centralSystem.operations as Record<string, { request: TObject }>
        for (const [operation, schemas] of Object.entries(cs)) {
          const call = encodeCsRequest({
            ocppVersion: version,
            operation: operation as 'Heartbeat',
            payload: sampleOf(schemas.request, mode) as never,
            chargeBoxIdentity: 'CP-1',
            to: 'http://127.0.0.1:3100/ocpp',
            from: 'http://127.0.0.1:8099/cp/CP-1',
          })
          const file = join(dir, `cs-${version}-${operation}-${mode}.xml`)
          writeFileSync(file, call.body)
          messages.push({ file, wsdl: officialWsdl(version, 'centralSystem') })
        }
        const cp = ocppServices[version].chargePoint.operations as Record<string, { response: TObject }>
        for (const [operation, schemas] of Object.entries(cp)) {
          const reply = encodeCpResponse({
            soapVersion: '1.2',
            ocppVersion: version,
            operation: operation as 'Reset',
            payload: sampleOf(schemas.response, mode) as never,
            relatesTo: 'urn:uuid:r-1',
          })
          const file = join(dir, `cp-${version}-${operation}-${mode}.xml`)
          writeFileSync(file, reply.body)
          messages.push({ file, wsdl: officialWsdl(version, 'chargePoint') })
        }
      }
    }
    const result = runXsdCheck(dir, { messages, wsdlPairs: [] })
    expect(result.invalid).toEqual([])
    // 2 modes x (10 CS requests + 19 resp. 15 CP responses)
    expect(messages).toHaveLength(2 * (10 + 19) + 2 * (10 + 15))
    expect(result.checked).toBe(messages.length)
  }, 60_000)
})
