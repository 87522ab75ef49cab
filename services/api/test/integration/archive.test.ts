import { connectBus } from '@chargebus/bus'
import { OcppMessageReceived } from '@chargebus/events'
import { pino } from 'pino'
import { NATS_URL } from '../../../../test/support/nats.ts'
import { startTestApi, type TestApi } from '../support/api.ts'

let api: TestApi

beforeAll(async () => {
  api = await startTestApi()
  const bus = await connectBus({
    servers: NATS_URL,
    name: 'api-archive-test',
    namespace: api.namespace,
    logger: pino({ level: 'silent' }),
  })
  for (let i = 0; i < 10; i++)
    await bus.publish(
      OcppMessageReceived,
      {
        stationId: 'CP-A',
        ocppVersion: '1.6',
        action: 'Heartbeat',
        messageId: `a-${i}`,
        receivedAt: new Date().toISOString(),
        payload: {},
        quirks: [],
      },
      { msgId: `a-${i}` },
    )
  await bus.close()
}, 30_000)

afterAll(async () => {
  await api.close()
})

test('GET /v1/archive shows what is not archived yet, with no archiver running', async () => {
  const res = await api.request('GET', '/v1/archive', { key: 'read' })
  expect(res.status).toBe(200)
  const streams = (
    res.json as {
      streams: Array<{ stream: string; archivedSeq: number; unarchivedMessages: number; ratio: number }>
    }
  ).streams
  expect(streams.map((s) => s.stream)).toEqual(['OCPP_IN', 'DOMAIN', 'COMMANDS', 'FTP', 'DEAD_LETTERS'])
  const ocppIn = streams.find((s) => s.stream === 'OCPP_IN')
  expect(ocppIn).toMatchObject({ archivedSeq: 0, unarchivedMessages: 10 })
  expect(ocppIn?.ratio).toBeGreaterThan(0)
})

test('the API exports chargebus_archive_unarchived_ratio on /metrics', async () => {
  const res = await api.app.inject({ url: '/metrics' })
  expect(res.body).toMatch(/chargebus_archive_unarchived_ratio\{[^}]*stream="OCPP_IN"[^}]*\} [0-9.e-]+/)
  expect(res.body).toMatch(/chargebus_archive_unarchived_messages\{[^}]*stream="OCPP_IN"[^}]*\} 10/)
})
