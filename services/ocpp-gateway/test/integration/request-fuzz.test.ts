import { type OcppVersion, ocppServices } from '@chargebus/ocpp'
import fc from 'fast-check'
import type { TObject } from 'typebox'
import { Compile } from 'typebox/compile'
import { mutations } from '../../../../packages/ocpp/test/support/mutations.ts'
import { stationRequest } from '../../../../packages/ocpp/test/support/station-requests.ts'
import { corpusEntries, fuzzRuns } from '../../../../test/support/corpus.ts'
import { startTestGateway, type TestGateway } from '../support/gateway.ts'

/*
 * The codec's fuzzing, through the real gateway (real NATS and Postgres): damaged station requests are answered
 * with a SOAP reply or a SOAP fault with a reason, never with the generic fault of an unexpected exception, and
 * every message the gateway stored (acknowledged) is valid against its schema.
 */

let gw: TestGateway
beforeAll(async () => {
  gw = await startTestGateway({ OCPP_AUTHORIZE_UNKNOWN: 'true' })
}, 30_000)
afterAll(() => gw?.close())

/** A reply, or a fault with a reason; `internal error` is what an unexpected exception is answered with. */
async function expectAnswered(xml: string | Buffer, path: string): Promise<void> {
  const res = await gw.post(xml, { path })
  if (res.status === 200) {
    expect(res.body).toMatch(/Response[ >/]/)
    expect(res.body).not.toContain(':Fault>')
    return
  }
  expect(res.body).toMatch(/<s:(Text|Reason)[^>]*>[^<]+<|<faultstring>[^<]+</)
  expect(res.body).not.toContain('>internal error<')
}

function requestSchema(version: OcppVersion, action: string): TObject | undefined {
  return (ocppServices[version].centralSystem.operations as Record<string, { request: TObject }>)[action]
    ?.request
}

describe('damaged station requests through the real gateway', () => {
  test('answered with a reply or a fault with a reason; what was stored is schema-valid', async () => {
    await fc.assert(
      fc.asyncProperty(
        stationRequest,
        fc.option(mutations, { freq: 4 }),
        fc.constantFrom('', '/1.5', '/1.6'),
        async (req, mutate, suffix) => expectAnswered(mutate ? mutate(req.body) : req.body, `/ocpp${suffix}`),
      ),
      fuzzRuns(150),
    )
    const stored = await gw.stored()
    expect(stored.length).toBeGreaterThan(0)
    for (const { data } of stored) {
      const schema = requestSchema(data.ocppVersion as OcppVersion, data.action)
      expect(schema).toBeDefined()
      expect(Compile(schema as TObject).Check(data.payload)).toBe(true)
      if (data.normalizedPayload !== undefined)
        expect(Compile(requestSchema('1.6', data.action) as TObject).Check(data.normalizedPayload)).toBe(true)
    }
  }, 120_000)

  test.each(corpusEntries('ocpp-soap', '.xml'))('hostile corpus: %s', async (_name, bytes) => {
    for (const path of ['/ocpp', '/ocpp/1.5', '/ocpp/1.6']) await expectAnswered(bytes, path)
  })
})
