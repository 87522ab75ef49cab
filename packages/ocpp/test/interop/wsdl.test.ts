import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { centralSystemWsdl, chargePointWsdl, OCPP_VERSIONS } from '../../src/index.ts'
import { describeWithSpec, SOURCES, SPEC_DIR, wsdlAddress, wsdlFacts } from '../support/wsdl-facts.ts'

function ours(module: string, version: '1.5' | '1.6'): string {
  return module.endsWith('central-system.ts')
    ? centralSystemWsdl(version, 'https://cs.example.com/ocpp')
    : chargePointWsdl(version)
}

describe('our WSDLs', () => {
  test.each(OCPP_VERSIONS)(
    'OCPP %s CentralSystemService carries the real endpoint address, escaped',
    (version) => {
      expect(wsdlAddress(centralSystemWsdl(version, 'https://cs.example.com/ocpp/1.6?a=1&b=2'))).toBe(
        'https://cs.example.com/ocpp/1.6?a=1&b=2',
      )
    },
  )

  test.each(OCPP_VERSIONS)(
    'OCPP %s: every operation is a SOAP 1.2 document/literal operation with the identity header',
    (version) => {
      const facts = wsdlFacts(centralSystemWsdl(version, 'http://x'))
      expect(Object.keys(facts.operations)).toHaveLength(10)
      expect(facts.operations.Heartbeat).toMatchObject({
        inputAction: '/Heartbeat',
        outputAction: '/HeartbeatResponse',
        soapAction: '/Heartbeat',
        inputHeader: ['literal', 'ChargeBoxIdentity', 'ChargeBoxIdentity', 'tns:chargeBoxIdentity'],
      })
    },
  )
})

describeWithSpec(`our WSDLs against the official ones in ${SPEC_DIR}`, () => {
  test.each(SOURCES.map((s) => [s.wsdl, s] as const))(
    '%s: same service, operations, actions, elements and structure',
    (_name, source) => {
      const official = wsdlFacts(readFileSync(join(SPEC_DIR, source.wsdl), 'utf8'))
      const generated = wsdlFacts(ours(source.module, source.version))
      expect(generated.targetNamespace).toBe(official.targetNamespace)
      expect(generated.service).toBe(official.service)
      expect(generated.port).toBe(official.port)
      expect(generated.binding).toBe(official.binding)
      expect(generated.policy).toBe(official.policy)
      expect(generated.operations).toEqual(official.operations)
      expect(Object.keys(generated.elements).sort()).toEqual(Object.keys(official.elements).sort())
      expect(generated.elements).toEqual(official.elements)
    },
  )
})
