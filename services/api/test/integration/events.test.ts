import { randomUUID } from 'node:crypto'
import { type Bus, connectBus } from '@chargebus/bus'
import {
  AggregateUpdated,
  ConnectorStatusChanged,
  MeterRegisterDecreased,
  SessionStarted,
  StationRegistered,
} from '@chargebus/events'
import { pino } from 'pino'
import { issueApiKey, revokeApiKey } from '../../src/admin.ts'
import { expectContractKept, NATS_URL, startTestApi, type TestApi } from '../support/api.ts'

const SLOW = 30_000
let api: TestApi
let bus: Bus
let base: string

beforeAll(async () => {
  api = await startTestApi({ API_SSE_HEARTBEAT_MS: '200' })
  base = await api.app.listen({ host: '127.0.0.1', port: 0 })
  bus = await connectBus({
    servers: NATS_URL,
    name: 'api-events-test',
    namespace: api.namespace,
    logger: pino({ level: 'silent' }),
  })
}, SLOW)

afterAll(async () => {
  expectContractKept(api)
  await bus?.close()
  await api?.close()
}, SLOW)

const now = () => new Date().toISOString()
const msg = () => randomUUID()

function publishAll(station: string, other: string) {
  return [
    () =>
      bus.publish(
        StationRegistered,
        {
          stationId: station,
          registrationStatus: 'Accepted',
          ocppVersion: '1.6',
          vendor: 'ACME',
          model: 'X',
          bootedAt: now(),
          sourceMessageId: msg(),
        },
        { msgId: msg() },
      ),
    () =>
      bus.publish(
        ConnectorStatusChanged,
        {
          stationId: other,
          connectorId: 1,
          status: 'Charging',
          errorCode: 'NoError',
          statusAt: now(),
          receivedAt: now(),
          sourceMessageId: msg(),
        },
        { msgId: msg() },
      ),
    () =>
      bus.publish(
        MeterRegisterDecreased,
        {
          stationId: station,
          connectorId: 1,
          previousWh: 10,
          previousAt: now(),
          currentWh: 5,
          currentAt: now(),
          source: 'meter-values',
          sourceMessageId: msg(),
        },
        { msgId: msg() },
      ),
    () =>
      bus.publish(
        SessionStarted,
        {
          stationId: station,
          transactionId: 7,
          connectorId: 1,
          idTag: 'TAG',
          meterStartWh: 0,
          startedAt: now(),
          sourceMessageId: msg(),
        },
        { msgId: msg() },
      ),
  ]
}

interface SseFrame {
  id?: string
  event?: string
  data?: string
  comment?: string
}

/** Opens an SSE stream over real HTTP and collects frames until `until` says stop (or the timeout). */
async function openStream(path: string, headers: Record<string, string> = {}) {
  const controller = new AbortController()
  const res = await fetch(`${base}${path}`, {
    headers: { authorization: `Bearer ${api.keys.read}`, ...headers },
    signal: controller.signal,
  })
  api.contract.check({
    method: 'GET',
    url: path,
    status: res.status,
    contentType: res.headers.get('content-type') ?? undefined,
    body: '',
  })
  const reader = (res.body as ReadableStream<Uint8Array>).getReader()
  const decoder = new TextDecoder()
  const frames: SseFrame[] = []
  let buffer = ''
  async function until(done: (frames: SseFrame[]) => boolean, timeoutMs = 5000): Promise<SseFrame[]> {
    const deadline = Date.now() + timeoutMs
    while (!done(frames)) {
      if (Date.now() > deadline) throw new Error(`timed out; got ${JSON.stringify(frames)}`)
      const { value, done: ended } = await reader.read()
      if (ended) break
      buffer += decoder.decode(value, { stream: true })
      let cut = buffer.indexOf('\n\n')
      while (cut !== -1) {
        const frame: SseFrame = {}
        for (const line of buffer.slice(0, cut).split('\n')) {
          if (line.startsWith(':')) frame.comment = line.slice(1).trim()
          else {
            const [k, ...v] = line.split(': ')
            if (k === 'id' || k === 'event' || k === 'data') frame[k] = v.join(': ')
          }
        }
        frames.push(frame)
        buffer = buffer.slice(cut + 2)
        cut = buffer.indexOf('\n\n')
      }
    }
    return frames
  }
  return { res, until, close: () => controller.abort() }
}

const events = (frames: SseFrame[]) => frames.filter((f) => f.event !== undefined)

test('streams station, connector and session events live (not meter.*), with the stream sequence as id', async () => {
  const station = `CP-${msg().slice(0, 8)}`
  const stream = await openStream('/v1/events')
  expect(stream.res.status).toBe(200)
  expect(stream.res.headers.get('content-type')).toBe('text/event-stream; charset=utf-8')
  expect(stream.res.headers.get('content-encoding')).toBeNull()
  await stream.until((f) => f.some((x) => x.comment?.startsWith('connected')))
  const acks = []
  for (const publish of publishAll(station, 'CP-other')) acks.push(await publish())
  const frames = await stream.until((f) => events(f).length >= 3)
  stream.close()
  expect(events(frames).map((f) => [f.id, f.event])).toEqual([
    [String(acks[0]?.seq), 'station.registered'],
    [String(acks[1]?.seq), 'connector.status_changed'],
    [String(acks[3]?.seq), 'session.started'],
  ])
  const first = JSON.parse(events(frames)[0]?.data ?? '{}')
  expect(first).toMatchObject({
    subject: `station.${station}.registered`,
    version: 1,
    data: { stationId: station, registrationStatus: 'Accepted' },
  })
  expect(first.publishedAt).toEqual(expect.any(String))
})

test('filters by station and resumes after Last-Event-ID', async () => {
  const station = `CP-${msg().slice(0, 8)}`
  const acks = []
  for (const publish of publishAll(station, 'CP-elsewhere')) acks.push(await publish())
  const after = String((acks[0]?.seq ?? 1) - 1)
  const filtered = await openStream(`/v1/events?station=${station}`, { 'last-event-id': after })
  const frames = await filtered.until((f) => events(f).length >= 2)
  filtered.close()
  expect(events(frames).map((f) => f.event)).toEqual(['station.registered', 'session.started'])

  const resumed = await openStream('/v1/events', { 'last-event-id': String(acks[0]?.seq) })
  const more = await resumed.until((f) => events(f).length >= 2)
  resumed.close()
  expect(events(more).map((f) => f.id)).toEqual([String(acks[1]?.seq), String(acks[3]?.seq)])
})

function publishAggregateUpdated(station: string, hour: string) {
  return bus.publish(
    AggregateUpdated,
    {
      stationId: station,
      changes: [{ bucketing: 'utc:hour', bucketStart: hour, metrics: ['energy_wh', 'sessions_started'] }],
      truncated: false,
      updatedAt: now(),
    },
    { msgId: msg() },
  )
}

test('stream=aggregates carries aggregate.updated (ids of AGGREGATES), filtered by station and resumable', async () => {
  const station = `CP-${msg().slice(0, 8)}`
  const live = await openStream(`/v1/events?stream=aggregates&station=${station}`)
  const domain = await openStream('/v1/events')
  await live.until((f) => f.some((x) => x.comment?.startsWith('connected')))
  await domain.until((f) => f.some((x) => x.comment?.startsWith('connected')))
  const acks = [
    await publishAggregateUpdated(station, '2026-12-01T10:00:00.000Z'),
    await publishAggregateUpdated('CP-elsewhere', '2026-12-01T10:00:00.000Z'),
    await publishAggregateUpdated(station, '2026-12-01T11:00:00.000Z'),
  ]
  // A DOMAIN event after them: the domain stream shows it and none of the aggregate updates.
  const [registered] = publishAll(station, 'CP-other')
  const domainAck = await registered?.()
  const frames = await live.until((f) => events(f).length >= 2)
  const domainFrames = await domain.until((f) => events(f).length >= 1)
  live.close()
  domain.close()
  expect(events(frames).map((f) => [f.id, f.event])).toEqual([
    [String(acks[0]?.seq), 'aggregate.updated'],
    [String(acks[2]?.seq), 'aggregate.updated'],
  ])
  expect(JSON.parse(events(frames)[1]?.data ?? '{}')).toMatchObject({
    subject: `aggregate.${station}.updated`,
    version: 1,
    data: {
      stationId: station,
      changes: [{ bucketing: 'utc:hour', bucketStart: '2026-12-01T11:00:00.000Z' }],
      truncated: false,
    },
  })
  expect(events(domainFrames).map((f) => [f.id, f.event])).toEqual([
    [String(domainAck?.seq), 'station.registered'],
  ])

  const resumed = await openStream('/v1/events?stream=aggregates', { 'last-event-id': String(acks[0]?.seq) })
  const more = await resumed.until((f) => events(f).length >= 2)
  resumed.close()
  expect(events(more).map((f) => f.id)).toEqual([String(acks[1]?.seq), String(acks[2]?.seq)])
})

test('an unknown stream is a validation problem', async () => {
  const res = await api.request('GET', '/v1/events?stream=meter', { key: 'read' })
  expect(res.status).toBe(400)
  expect(res.json.errors).toEqual([{ name: 'stream', reason: expect.any(String) }])
})

test('sends heartbeat comments while idle', async () => {
  const stream = await openStream('/v1/events')
  const frames = await stream.until((f) => f.filter((x) => x.comment === 'heartbeat').length >= 2, 3000)
  stream.close()
  expect(frames.filter((x) => x.comment === 'heartbeat').length).toBeGreaterThanOrEqual(2)
})

test('streams are capped per key, and a revoked key loses its open streams', async () => {
  const capped = await startTestApi({
    API_SSE_MAX_STREAMS_PER_KEY: '2',
    API_SSE_KEY_RECHECK_MS: '200',
    API_KEY_CACHE_TTL_MS: '0',
  })
  try {
    const url = await capped.app.listen({ host: '127.0.0.1', port: 0 })
    const { key, id } = await issueApiKey(capped.deps.db, { name: 'sse cap', scopes: ['read'] })
    const open = (path = '/v1/events') =>
      fetch(`${url}${path}`, {
        headers: { authorization: `Bearer ${key}` },
        signal: AbortSignal.timeout(10_000),
      })
    const [a, b] = await Promise.all([open(), open()])
    expect([a.status, b.status]).toEqual([200, 200])
    // The cap counts every stream of the key, aggregates included.
    const third = await open('/v1/events?stream=aggregates')
    expect(third.status).toBe(429)
    expect(await third.json()).toMatchObject({ code: 'API_ERR_RATE_LIMITED' })
    await revokeApiKey(capped.deps.db, id, new Date())
    // Both streams end (the server closes them) within a few re-checks.
    const ended = async (res: Response) => {
      const reader = (res.body as ReadableStream<Uint8Array>).getReader()
      let text = ''
      for (;;) {
        const { value, done } = await reader.read()
        if (done) return text
        text += new TextDecoder().decode(value)
      }
    }
    const texts = await Promise.all([ended(a), ended(b)])
    for (const t of texts) expect(t).toContain(': the API key was revoked')
  } finally {
    await capped.close()
  }
}, 20_000)

test('a bad Last-Event-ID is a validation problem', async () => {
  const res = await api.request('GET', '/v1/events', {
    key: 'read',
    headers: { 'last-event-id': 'yesterday' },
  })
  expect(res.status).toBe(400)
  expect(res.json.errors).toEqual([{ name: 'last-event-id', reason: expect.stringContaining('pattern') }])
})
