import { hashPassword } from '@chargebus/station-registry'
import { eventually } from '../../../../test/support/eventually.ts'
import { envelope, startTestGateway, type TestGateway } from '../support/gateway.ts'

const basic = (user: string, password: string) =>
  `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`
/** A MeterValues request that breaks the schema (connectorId is not an integer). */
const badMeterValues = (station: string, messageId?: string) =>
  envelope({
    identity: station,
    ...(messageId === undefined ? {} : { messageId }),
    body: '<cs:meterValuesRequest><cs:connectorId>one</cs:connectorId></cs:meterValuesRequest>',
  })
const heartbeat = (station: string) => envelope({ identity: station, body: '<cs:heartbeatRequest/>' })

let gw: TestGateway
const PER_MINUTE = 3

beforeAll(async () => {
  gw = await startTestGateway({
    NODE_ENV: 'production',
    OCPP_REGISTRATION: 'accept-all',
    OCPP_FAULT_JOURNAL_PER_MINUTE: String(PER_MINUTE),
  })
  await gw.putStation('CP-AUTH', { registrationStatus: 'Accepted', password: hashPassword('s3cret') })
  await gw.putStation('CP-PENDING', { registrationStatus: 'Pending', password: hashPassword('s3cret') })
  await gw.putStation('CP-OTHER', { registrationStatus: 'Accepted', password: hashPassword('other') })
}, 30_000)
afterAll(() => gw?.close())

async function journaled(outcome: string): Promise<number> {
  const metrics = (await gw.app.inject({ method: 'GET', url: '/metrics' })).body
  const m = new RegExp(`^ocpp_gateway_fault_journal_total\\{outcome="${outcome}"[^}]*\\} (\\d+)$`, 'm').exec(
    metrics,
  )
  return Number(m?.[1] ?? 0)
}

test("an authenticated station's faults are journaled with the fault it got; the answer is the same fault", async () => {
  const auth = basic('CP-AUTH', 's3cret')
  // A good request first: the verdict on these credentials is remembered, so a request that cannot even be
  // decoded far enough to authenticate is still known to come from CP-AUTH.
  expect((await gw.post(heartbeat('CP-AUTH').xml, { authorization: auth })).status).toBe(200)
  const bad = badMeterValues('CP-AUTH')
  const res = await gw.post(bad.xml, { authorization: auth })
  expect(res.status).toBe(400)

  await eventually(async () => (await gw.faults()).length === 1)
  const [entry] = await gw.faults()
  expect(entry?.subject).toBe(`${gw.namespace}.ocpp.fault.1_6.CP-AUTH.MeterValues`)
  expect(entry?.data).toMatchObject({
    stationId: 'CP-AUTH',
    ocppVersion: '1.6',
    action: 'MeterValues',
    messageId: bad.messageId,
    fault: { code: 'Sender', errorCode: 'OCPP_ERR_SCHEMA' },
  })
  expect(res.body).toContain(entry?.data.fault.reason)
  expect(entry?.data.requestExcerpt).toBe(bad.xml.slice(0, 2048))
  // the journal of stored messages is untouched: a fault is never a stored station message
  expect((await gw.stored()).map((m) => m.data.action)).toEqual(['Heartbeat'])
})

test('a station that is not Accepted sees why in its journal', async () => {
  const res = await gw.post(heartbeat('CP-PENDING').xml, { authorization: basic('CP-PENDING', 's3cret') })
  expect(res.status).toBe(400)
  await eventually(async () => (await gw.faults()).some((f) => f.data.stationId === 'CP-PENDING'))
  const entry = (await gw.faults()).find((f) => f.data.stationId === 'CP-PENDING')
  expect(entry?.data.fault).toMatchObject({ code: 'Sender', subcode: 'SecurityError' })
})

test('nothing is journaled for traffic that did not authenticate', async () => {
  const before = (await gw.faults()).length
  // wrong password, another station's password, no credentials, an identity nobody has
  await gw.post(badMeterValues('CP-AUTH').xml, { authorization: basic('CP-AUTH', 'guess') })
  await gw.post(heartbeat('CP-AUTH').xml, { authorization: basic('CP-AUTH', 'guess') })
  await gw.post(badMeterValues('CP-AUTH').xml, { authorization: basic('CP-OTHER', 'other') })
  await gw.post(badMeterValues('CP-AUTH').xml)
  await gw.post(badMeterValues('NOBODY').xml, { authorization: basic('NOBODY', 'x') })
  // a known station whose credentials were never verified: its undecodable request cannot be attributed
  await gw.post(badMeterValues('CP-OTHER').xml, { authorization: basic('CP-OTHER', 'other') })
  // a journaled fault would have been published by now: the same path journals an authenticated one at once
  await gw.post(badMeterValues('CP-AUTH').xml, { authorization: basic('CP-AUTH', 's3cret') })
  await eventually(async () => (await gw.faults()).length === before + 1)
  expect((await gw.faults()).slice(before).map((f) => f.data.stationId)).toEqual(['CP-AUTH'])
})

test('a retried faulty request (same MessageID) is journaled once', async () => {
  await gw.putStation('CP-RETRY', { registrationStatus: 'Accepted', password: hashPassword('s3cret') })
  const auth = basic('CP-RETRY', 's3cret')
  await gw.post(heartbeat('CP-RETRY').xml, { authorization: auth })
  const published = await journaled('journaled')
  const retried = badMeterValues('CP-RETRY', 'urn:uuid:retried-once')
  await gw.post(retried.xml, { authorization: auth })
  await gw.post(retried.xml, { authorization: auth })
  await eventually(async () => (await journaled('journaled')) - published === 2)
  const mine = (await gw.faults()).filter((f) => f.data.stationId === 'CP-RETRY')
  expect(mine.map((f) => f.data.messageId)).toEqual(['urn:uuid:retried-once'])
})

test('a station past its budget is counted, not journaled', async () => {
  const auth = basic('CP-AUTH', 's3cret')
  const already = (await gw.faults()).filter((f) => f.data.stationId === 'CP-AUTH').length
  expect(already).toBe(2)
  const dropsBefore = await journaled('rate_limited')
  for (let i = 0; i < 5; i++) await gw.post(badMeterValues('CP-AUTH').xml, { authorization: auth })
  await eventually(
    async () => (await gw.faults()).filter((f) => f.data.stationId === 'CP-AUTH').length === PER_MINUTE,
  )
  expect((await journaled('rate_limited')) - dropsBefore).toBe(5 - (PER_MINUTE - already))
  // every one of them still got its fault
  const res = await gw.post(badMeterValues('CP-AUTH').xml, { authorization: auth })
  expect(res.status).toBe(400)
})
