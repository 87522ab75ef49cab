import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { TObject } from 'typebox'
import {
  centralSystemWsdl,
  chargePointWsdl,
  encodeRequest,
  encodeResponse,
  OCPP_VERSIONS,
  ocppServices,
} from '../../src/index.ts'
import { sampleOf } from '../support/samples.ts'
import { describeWithSpec, officialWsdl, runXsdCheck, xsdWorkDir } from '../support/xsd-check.ts'

/**
 * Interop with independent tooling: every response we encode (CentralSystemService) and every request we send
 * (ChargePointService), for all operations of both versions, full and minimal, is validated by lxml against the
 * XML Schema of the OFFICIAL WSDL, and zeep compares the bindings of our WSDLs with the official ones.
 */
describeWithSpec('encoded messages and WSDLs against the official OCPP schemas (lxml, zeep)', () => {
  const dir = xsdWorkDir('ocpp-xsd-')

  test('all valid, all bindings equal', () => {
    const messages: { file: string; wsdl: string }[] = []
    const wsdlPairs: { ours: string; official: string }[] = []
    for (const version of OCPP_VERSIONS) {
      for (const mode of ['full', 'minimal'] as const) {
        const cs = ocppServices[version].centralSystem.operations as Record<string, { response: TObject }>
        for (const [operation, schemas] of Object.entries(cs)) {
          for (const soapVersion of ['1.2', '1.1'] as const) {
            const res = encodeResponse({
              soapVersion,
              ocppVersion: version,
              operation: operation as 'Heartbeat',
              payload: sampleOf(schemas.response, mode) as never,
              relatesTo: 'urn:uuid:r-1',
            })
            const file = join(dir, `cs-${version}-${operation}-${mode}-${soapVersion}.xml`)
            writeFileSync(file, res.body)
            messages.push({ file, wsdl: officialWsdl(version, 'centralSystem') })
          }
        }
        const cp = ocppServices[version].chargePoint.operations as Record<string, { request: TObject }>
        for (const [operation, schemas] of Object.entries(cp)) {
          const call = encodeRequest({
            ocppVersion: version,
            operation: operation as 'Reset',
            payload: sampleOf(schemas.request, mode) as never,
            chargeBoxIdentity: 'CP-1',
            to: 'http://127.0.0.1:8099/ocpp/cp/CP-1',
            from: 'http://127.0.0.1:3100/ocpp',
          })
          const file = join(dir, `cp-${version}-${operation}-${mode}.xml`)
          writeFileSync(file, call.body)
          messages.push({ file, wsdl: officialWsdl(version, 'chargePoint') })
        }
      }
      for (const role of ['centralSystem', 'chargePoint'] as const) {
        const ours = join(dir, `ours-${version}-${role}.wsdl`)
        writeFileSync(
          ours,
          role === 'centralSystem'
            ? centralSystemWsdl(version, 'http://localhost/Ocpp/CentralSystemService/')
            : chargePointWsdl(version),
        )
        wsdlPairs.push({ ours, official: officialWsdl(version, role) })
        // our own WSDL's schema must accept what we send, too
        for (const m of messages.filter((m) => m.wsdl === officialWsdl(version, role)))
          messages.push({ file: m.file, wsdl: ours })
      }
    }
    const result = runXsdCheck(dir, { messages, wsdlPairs })
    expect(result.invalid).toEqual([])
    expect(result.wsdlMismatches).toEqual([])
    // 2 modes x (10 CS responses x 2 envelopes + 19 resp. 15 CP requests), each against the official and our WSDL
    expect(messages).toHaveLength(2 * (2 * (20 + 19) + 2 * (20 + 15)))
    expect(result.checked).toBe(messages.length)
  }, 60_000)
})
