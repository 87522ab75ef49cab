import { type Bus, type Consumption, connectBus } from '@chargebus/bus'
import { AppError } from '@chargebus/errors'
import { OcppMessageReceived, Streams, sampleEvents } from '@chargebus/events'
import { pino } from 'pino'
import { eventually } from '../../../../test/support/eventually.ts'
import { expectContractKept, NATS_URL, startTestApi, type TestApi } from '../support/api.ts'

/*
 * /v1/dead-letters against real NATS: real consumers dead-letter poison messages, the API lists them, retries
 * one into its consumer's replay lane and drops another.
 */

const SLOW = 30_000
let api: TestApi
let bus: Bus
const running: Consumption[] = []
/** msgIds the fragile consumer refuses until "the bug is fixed". */
const poison = new Set(['DLA-1/poison-1', 'DLA-1/poison-2', 'DLA-1/poison-3'])
let fixed = false
const calls: string[] = []

class Refused extends AppError {
  constructor() {
    super('TEST_ERR_REFUSED', 'station unknown; see ftp://ops:hunter2@files.example.com/log', {
      retryable: false,
    })
  }
}

const stationMessage = (station: string) => {
  const [sample] = sampleEvents('ocpp.message.received', { stations: [station] })
  return sample?.data as never
}

beforeAll(async () => {
  api = await startTestApi()
  bus = await connectBus({
    servers: NATS_URL,
    name: 'api-dead-letters-test',
    namespace: api.namespace,
    logger: pino({ level: 'silent' }),
  })
  running.push(
    await bus.consume({
      stream: Streams.OCPP_IN,
      durable: 'fragile',
      filterSubject: 'ocpp.in.*.DLA-1.>',
      events: OcppMessageReceived,
      handler: async (e) => {
        calls.push(e.msgId ?? '')
        if (!fixed && poison.has(e.msgId ?? '')) throw new Refused()
      },
    }),
    await bus.consume({
      stream: Streams.OCPP_IN,
      durable: 'laneless',
      filterSubject: 'ocpp.in.*.DLA-2.>',
      events: OcppMessageReceived,
      replayLane: false,
      handler: async () => {
        throw new Refused()
      },
    }),
  )
  await bus.publish(OcppMessageReceived, stationMessage('DLA-1'), { msgId: 'DLA-1/fine' })
  for (const msgId of poison)
    await bus.publish(OcppMessageReceived, stationMessage('DLA-1'), {
      msgId,
      headers: {
        authorization: 'Bearer cbk_q3N0aZ1xq3N0aZ1xq3N0aZ1xq3N0aZ1xq3N0aZ1xq3N',
        'X-Auth-Token': 's3cr3t-token',
        'X-Callback': 'https://ops:hunter2@hooks.example.com/x',
      },
    })
  await bus.publish(OcppMessageReceived, stationMessage('DLA-2'), { msgId: 'DLA-2/any' })
  await eventually(async () => (await bus.deadLetters.list()).items.length === 4)
}, SLOW)

afterAll(async () => {
  try {
    expectContractKept(api)
  } finally {
    await Promise.all(running.splice(0).map((c) => c.stop()))
    await bus?.close()
    await api?.close()
  }
}, SLOW)

const idOf = async (msgId: string): Promise<number> => {
  const page = await api.request('GET', '/v1/dead-letters?limit=500', { key: 'read' })
  const letter = page.json.data.find((l: { msgId: string }) => l.msgId === msgId)
  if (!letter) throw new Error(`no dead letter for ${msgId}`)
  return letter.id
}

test('a read key lists and reads dead letters with everything an operator debugs with, credentials masked', async () => {
  const res = await api.request('GET', '/v1/dead-letters', { key: 'read' })
  expect(res.status).toBe(200)
  // In dead-letter order: each consumer's own letters in its order; the two consumers interleave as they ran.
  const listed: string[] = res.json.data.map((l: { msgId: string }) => l.msgId)
  expect(listed.filter((id) => id.startsWith('DLA-1/'))).toEqual([...poison])
  expect([...listed].sort()).toEqual([...poison, 'DLA-2/any'].sort())
  expect(res.json).toMatchObject({ nextCursor: null, next: null })
  const first = res.json.data.find((l: { msgId: string }) => l.msgId === 'DLA-1/poison-1')
  expect(first).toMatchObject({
    stream: 'OCPP_IN',
    consumer: 'fragile',
    subject: expect.stringMatching(/^ocpp\.in\.1_6\.DLA-1\./),
    streamSequence: expect.any(Number),
    event: { name: 'ocpp.message.received', version: 1 },
    msgId: 'DLA-1/poison-1',
    payloadEncoding: 'utf8',
    reason: 'non-retryable',
    error: {
      code: 'TEST_ERR_REFUSED',
      name: 'Refused',
      message: 'station unknown; see ftp://ops:***@files.example.com/log',
    },
    deliveryCount: 1,
    maxDeliver: 5,
    publishedAt: expect.any(String),
    deadLetteredAt: expect.any(String),
    redacted: true,
  })
  expect(JSON.parse(first.payload)).toEqual(stationMessage('DLA-1'))
  const header = (name: string) =>
    Object.entries(first.headers as Record<string, string[]>).find(([k]) => k.toLowerCase() === name)?.[1]
  expect(header('authorization')).toEqual(['***'])
  expect(header('x-auth-token')).toEqual(['***'])
  expect(header('x-callback')).toEqual(['https://ops:***@hooks.example.com/x'])
  expect(header('nats-msg-id')).toEqual(['DLA-1/poison-1'])
  for (const secret of ['cbk_q3N0', 's3cr3t', 'hunter2']) expect(res.body).not.toContain(secret)

  const one = await api.request('GET', `/v1/dead-letters/${first.id}`, { key: 'read' })
  expect(one.status).toBe(200)
  expect(one.json).toEqual(first)
  expect(one.body).not.toContain('hunter2')
})

test('pages follow the cursor without gaps or repeats; stream and consumer filter', async () => {
  const all = (await api.request('GET', '/v1/dead-letters', { key: 'read' })).json.data.map(
    (l: { id: number }) => l.id,
  )
  const seen: number[] = []
  let next: string | null = '/v1/dead-letters?limit=1'
  while (next !== null) {
    const page = await api.request('GET', next, { key: 'read' })
    expect(page.status).toBe(200)
    expect(page.json.data.length).toBeLessThanOrEqual(1)
    if (page.json.next !== null) expect(page.headers.link).toBe(`<${page.json.next}>; rel="next"`)
    seen.push(...page.json.data.map((l: { id: number }) => l.id))
    next = page.json.next
  }
  expect(seen).toEqual(all)
  expect([...all].sort((a, b) => a - b)).toEqual(all)

  const ids = async (query: string) =>
    (await api.request('GET', `/v1/dead-letters?${query}`, { key: 'read' })).json.data.map(
      (l: { msgId: string }) => l.msgId,
    )
  expect(await ids('consumer=laneless')).toEqual(['DLA-2/any'])
  expect(await ids('consumer=fragile&limit=2')).toEqual(['DLA-1/poison-1', 'DLA-1/poison-2'])
  expect(await ids('stream=OCPP_IN')).toHaveLength(4)
  expect(await ids('stream=COMMANDS')).toEqual([])
  expect(await ids('stream=OCPP_IN&consumer=nobody')).toEqual([])
})

test('read and write keys cannot retry or drop: 403, and nothing changes', async () => {
  const id = await idOf('DLA-1/poison-1')
  for (const key of ['read', 'write', 'bi'] as const) {
    for (const [method, url] of [
      ['POST', `/v1/dead-letters/${id}/retry`],
      ['DELETE', `/v1/dead-letters/${id}`],
    ] as const) {
      const res = await api.request(method, url, { key })
      expect(res.status).toBe(403)
      expect(res.json).toMatchObject({ code: 'API_ERR_FORBIDDEN' })
    }
  }
  expect((await api.request('GET', `/v1/dead-letters/${id}`, { key: 'read' })).status).toBe(200)
})

test('after the fix, an admin retry lands once in the consumer that failed it; the dead letter is gone', async () => {
  const id = await idOf('DLA-1/poison-1')
  const before = calls.filter((m) => m === 'DLA-1/poison-1').length
  fixed = true
  const res = await api.request('POST', `/v1/dead-letters/${id}/retry`, { key: 'admin' })
  expect(res.status).toBe(200)
  expect(res.json).toEqual({ id, stream: 'OCPP_IN', consumer: 'fragile', laneSeq: expect.any(Number) })
  const handled = () => calls.filter((m) => m === 'DLA-1/poison-1').length - before
  await eventually(() => handled() === 1)

  const gone = await api.request('GET', `/v1/dead-letters/${id}`, { key: 'read' })
  expect(gone.status).toBe(404)
  expect(gone.headers['content-type']).toMatch(/^application\/problem\+json/)
  expect(gone.json).toMatchObject({ code: 'API_ERR_DEAD_LETTER_NOT_FOUND', status: 404 })
  const again = await api.request('POST', `/v1/dead-letters/${id}/retry`, { key: 'admin' })
  expect(again.status).toBe(404)
  await new Promise((r) => setTimeout(r, 300))
  expect(handled()).toBe(1)
  // The other poison messages and the fine one were not re-delivered by the retry.
  expect(calls.filter((m) => m === 'DLA-1/fine')).toHaveLength(1)
})

test('an admin drop deletes it and records which key did; a second drop is 404', async () => {
  const id = await idOf('DLA-1/poison-2')
  const res = await api.request('DELETE', `/v1/dead-letters/${id}`, { key: 'admin' })
  expect(res.status).toBe(200)
  expect(res.json).toMatchObject({
    id,
    subject: expect.stringMatching(/^ocpp\.in\./),
    droppedBy: expect.stringMatching(/^test admin \(api key [0-9a-f-]{36}\)$/),
    droppedAt: expect.any(String),
  })
  expect((await api.request('GET', `/v1/dead-letters/${id}`, { key: 'read' })).status).toBe(404)
  const again = await api.request('DELETE', `/v1/dead-letters/${id}`, { key: 'admin' })
  expect(again.status).toBe(404)
  expect(again.json.code).toBe('API_ERR_DEAD_LETTER_NOT_FOUND')
  expect(calls.filter((m) => m === 'DLA-1/poison-2')).toHaveLength(1)
})

test('a consumer without a replay lane cannot take a retry: 409, and the dead letter stays', async () => {
  const id = await idOf('DLA-2/any')
  const res = await api.request('POST', `/v1/dead-letters/${id}/retry`, { key: 'admin' })
  expect(res.status).toBe(409)
  expect(res.json).toMatchObject({ code: 'API_ERR_NO_REPLAY_LANE', status: 409 })
  expect((await api.request('GET', `/v1/dead-letters/${id}`, { key: 'read' })).status).toBe(200)
})

test('bad ids, filters and cursors are 400; unknown ids are 404; nothing changes', async () => {
  const count = async () => (await bus.deadLetters.list()).items.length
  const before = await count()
  for (const id of ['0', '-1', 'abc', '1.5', '99999999999999999999', '9007199254740993', '9'.repeat(100)]) {
    for (const [method, url] of [
      ['GET', `/v1/dead-letters/${id}`],
      ['POST', `/v1/dead-letters/${id}/retry`],
      ['DELETE', `/v1/dead-letters/${id}`],
    ] as const) {
      const res = await api.request(method, url, { key: 'admin' })
      expect(res.status).toBe(400)
      expect(res.json).toMatchObject({ code: 'API_ERR_VALIDATION', errors: [{ name: 'id' }] })
    }
  }
  for (const [method, url] of [
    ['GET', '/v1/dead-letters/987654'],
    ['POST', '/v1/dead-letters/987654/retry'],
    ['DELETE', '/v1/dead-letters/987654'],
  ] as const)
    expect((await api.request(method, url, { key: 'admin' })).status).toBe(404)
  for (const query of [
    'stream=*',
    'stream=>',
    'consumer=*',
    'consumer=%3E',
    'stream=OCPP_IN.%3E',
    'consumer=a%20b',
    `consumer=${'x'.repeat(65)}`,
    'limit=0',
    'limit=501',
    'unknown=1',
    'cursor=Zm9v',
    `cursor=${Buffer.from(JSON.stringify(['dead-letters', -1])).toString('base64url')}`,
    `cursor=${Buffer.from(JSON.stringify(['dead-letters', 1.5])).toString('base64url')}`,
    `cursor=${Buffer.from(JSON.stringify(['station-messages', 1])).toString('base64url')}`,
  ]) {
    const res = await api.request('GET', `/v1/dead-letters?${query}`, { key: 'read' })
    expect([query, res.status]).toEqual([query, 400])
  }
  expect(await count()).toBe(before)
})
