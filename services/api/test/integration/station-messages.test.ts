import { type Bus, connectBus } from '@chargebus/bus'
import { OcppMessageReceived, OcppRequestFaulted, sampleEvents } from '@chargebus/events'
import { pino } from 'pino'
import { expectContractKept, NATS_URL, startTestApi, type TestApi } from '../support/api.ts'

/* GET /v1/stations/{id}/messages against the real OCPP_IN journal of the API's namespace. */

const SLOW = 30_000
let api: TestApi
let bus: Bus
const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736'

beforeAll(async () => {
  api = await startTestApi()
  bus = await connectBus({
    servers: NATS_URL,
    name: 'api-messages-test',
    namespace: api.namespace,
    logger: pino({ level: 'silent' }),
  })
  // Interleaved stations, ids that differ only by escaping: `CP.1` is `CP%2E1` on the wire, `CP%2E1` is `CP%252E1`.
  for (const station of ['CP.1', 'CP%2E1', 'CP-2']) {
    for (const [i, sample] of sampleEvents('ocpp.message.received', { stations: [station] }).entries()) {
      await bus.publish(OcppMessageReceived, sample.data as never, {
        msgId: `${station}/${i}`,
        headers: { traceparent: `00-${TRACE}-00f067aa0ba902b${i}-01` },
      })
    }
  }
}, SLOW)

afterAll(async () => {
  expectContractKept(api)
  await bus?.close()
  await api?.close()
}, SLOW)

const url = (station: string, query = '') => `/v1/stations/${encodeURIComponent(station)}/messages${query}`

test("a station's messages, oldest first, with request, answer, quirks, trace id and sequence; no other station's", async () => {
  const res = await api.request('GET', url('CP.1'), { key: 'read' })
  expect(res.status).toBe(200)
  const data = res.json.data
  expect(data).toHaveLength(9)
  expect(data.map((m: { action: string }) => m.action)).toEqual(
    sampleEvents('ocpp.message.received').map((s) => (s.data as { action: string }).action),
  )
  expect(data[3]).toMatchObject({
    action: 'StartTransaction',
    ocppVersion: '1.6',
    request: { connectorId: 1, idTag: 'TAG-0001' },
    response: { transactionId: 1001 },
    traceId: TRACE,
  })
  expect(data[8]).toMatchObject({ ocppVersion: '1.5', quirks: ['soap11'] })
  const seqs = data.map((m: { seq: number }) => m.seq)
  expect([...seqs].sort((a, b) => a - b)).toEqual(seqs)
  expect(res.json.nextCursor).toBeNull()
  const escaped = await api.request('GET', url('CP%2E1'), { key: 'read' })
  expect(escaped.json.data).toHaveLength(9)
  expect(new Set([...seqs, ...escaped.json.data.map((m: { seq: number }) => m.seq)]).size).toBe(18)
})

test('pages follow the cursor to the end without gaps or repeats; filters by action and time', async () => {
  const seen: number[] = []
  let next: string | null = url('CP-2', '?limit=4')
  while (next !== null) {
    const page = await api.request('GET', next, { key: 'read' })
    expect(page.status).toBe(200)
    expect(page.json.data.length).toBeLessThanOrEqual(4)
    seen.push(...page.json.data.map((m: { seq: number }) => m.seq))
    next = page.json.next
  }
  expect(seen).toHaveLength(9)
  expect(new Set(seen).size).toBe(9)

  const status = await api.request('GET', url('CP-2', '?action=StatusNotification'), { key: 'read' })
  expect(status.json.data.map((m: { action: string }) => m.action)).toEqual([
    'StatusNotification',
    'StatusNotification',
  ])
  const window = await api.request(
    'GET',
    url('CP-2', '?from=2026-11-26T10:01:00.000Z&to=2026-11-26T10:31:05.000Z'),
    { key: 'read' },
  )
  expect(window.json.data.map((m: { action: string }) => m.action)).toEqual([
    'Authorize',
    'StartTransaction',
    'StatusNotification',
  ])
})

test('an unknown station has an empty list; a forged cursor is a 400; no key is a 401', async () => {
  const unknown = await api.request('GET', url('nobody here'), { key: 'read' })
  expect(unknown.status).toBe(200)
  expect(unknown.json).toEqual({ data: [], nextCursor: null, next: null })
  expect((await api.request('GET', url('CP-2', '?cursor=Zm9v'), { key: 'read' })).status).toBe(400)
  expect((await api.request('GET', url('CP-2'), { key: null })).status).toBe(401)
})

test('the faults the gateway answered an authenticated station are in its journal, beside what it stored', async () => {
  const [heartbeat] = sampleEvents('ocpp.message.received', { stations: ['CP-FAULTY'] }).filter(
    (s) => (s.data as { action: string }).action === 'Heartbeat',
  )
  const [fault] = sampleEvents('ocpp.request.faulted', { stations: ['CP-FAULTY'] })
  await bus.publish(OcppMessageReceived, heartbeat?.data as never, { msgId: 'CP-FAULTY/hb' })
  await bus.publish(OcppRequestFaulted, fault?.data as never, {
    msgId: 'fault:CP-FAULTY/1',
    headers: { traceparent: `00-${TRACE}-00f067aa0ba902b7-01` },
  })

  const res = await api.request('GET', url('CP-FAULTY'), { key: 'read' })
  expect(res.status).toBe(200)
  expect(res.json.data).toHaveLength(2)
  const [stored, faulted] = res.json.data
  expect(stored).toMatchObject({ action: 'Heartbeat', fault: null, requestExcerpt: null })
  expect(faulted).toMatchObject({
    action: 'MeterValues',
    request: null,
    response: null,
    fault: { code: 'Sender', subcode: 'FormationViolation', errorCode: 'OCPP_ERR_INVALID_PAYLOAD' },
    traceId: TRACE,
  })
  expect(faulted.requestExcerpt).toContain('meterValuesRequest')
  const byAction = await api.request('GET', url('CP-FAULTY', '?action=MeterValues'), { key: 'read' })
  expect(byAction.json.data.map((m: { seq: number }) => m.seq)).toEqual([faulted.seq])
})
