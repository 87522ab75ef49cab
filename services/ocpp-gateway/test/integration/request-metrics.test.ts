import { parsePrometheusText } from '../../../../packages/platform/test/support/prometheus-text.ts'
import { envelope, startTestGateway, type TestGateway } from '../support/gateway.ts'

/*
 * Requests by action and outcome with their latency: every counted request is also observed by the histogram,
 * under the same labels (the dashboard's rate and p95 per action read one and the other).
 */

let gw: TestGateway
beforeAll(async () => {
  gw = await startTestGateway({ OCPP_REGISTRATION: 'accept-all' })
}, 30_000)
afterAll(() => gw?.close())

async function scrape() {
  return parsePrometheusText((await gw.app.inject({ method: 'GET', url: '/metrics' })).body)
}

function sampleValue(
  families: ReturnType<typeof parsePrometheusText>,
  family: string,
  name: string,
  labels: Record<string, string>,
): number {
  const s = families
    .get(family)
    ?.samples.find((x) => x.name === name && Object.entries(labels).every(([k, v]) => x.labels[k] === v))
  return s?.value ?? 0
}

test('answered and faulted requests are counted and timed per version, action and outcome', async () => {
  // The same message three times: answered once, then twice a duplicate (a station's retry).
  const heartbeat = envelope({ identity: 'CP-metrics', body: '<cs:heartbeatRequest/>' }).xml
  for (let i = 0; i < 3; i++) expect((await gw.post(heartbeat)).status).toBe(200)
  expect((await gw.post('<not-soap')).status).toBe(400)

  const families = await scrape()
  const answered = { version: '1.6', action: 'Heartbeat', outcome: 'answered' }
  const duplicate = { ...answered, outcome: 'duplicate' }
  const fault = { version: 'unknown', action: 'unknown', outcome: 'fault' }
  const histogram = 'ocpp_gateway_request_duration_seconds'
  expect(families.get(histogram)?.type).toBe('histogram')
  for (const labels of [answered, duplicate, fault]) {
    const counted = sampleValue(
      families,
      'ocpp_gateway_requests_total',
      'ocpp_gateway_requests_total',
      labels,
    )
    expect(counted).toBeGreaterThan(0)
    expect(sampleValue(families, histogram, `${histogram}_count`, labels)).toBe(counted)
    expect(sampleValue(families, histogram, `${histogram}_bucket`, { ...labels, le: '+Inf' })).toBe(counted)
    expect(sampleValue(families, histogram, `${histogram}_sum`, labels)).toBeGreaterThan(0)
  }
  const total = (labels: Record<string, string>) =>
    sampleValue(families, 'ocpp_gateway_requests_total', 'ocpp_gateway_requests_total', labels)
  expect([total(answered), total(duplicate)]).toEqual([1, 2])
})

test('transaction-id blocks have a connection of their own beside the main pool, and the queue is exported', async () => {
  const families = await scrape()
  const max = (pool: string) =>
    sampleValue(families, 'chargebus_db_pool_max', 'chargebus_db_pool_max', { pool })
  expect(max('transaction-ids')).toBe(1)
  expect(max('main')).toBe(2)
  expect(families.get('ocpp_gateway_transaction_id_waiting')?.samples[0]?.value).toBe(0)
})
