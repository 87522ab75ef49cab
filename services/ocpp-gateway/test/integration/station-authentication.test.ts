import { type Bus, connectBus } from '@chargebus/bus'
import { createFailureThrottle } from '@chargebus/platform'
import {
  createPasswordChecks,
  hashPassword,
  KvBuckets,
  kvKey,
  type StationRecord,
  stationRecordValidator,
} from '@chargebus/station-registry'
import { pino } from 'pino'
import { eventually } from '../../../../test/support/eventually.ts'
import { startTcpProxy } from '../../../../test/support/tcp-proxy.ts'
import { jsonDecoder, type KvMirror, startKvMirror } from '../../src/data-access/kv-mirror.ts'
import { GatewayError } from '../../src/domain/errors.ts'
import {
  type AuthOutcome,
  createStationAuthenticator,
} from '../../src/entry-points/http/station-authentication.ts'
import { NATS_URL, uniqueNamespace } from '../support/gateway.ts'

/* Station authentication against a real KV mirror: throttles, remembered verdicts, fail closed, busy. */

const logger = pino({ level: 'silent' })
let bus: Bus
let stations: KvMirror<StationRecord>
const checks = createPasswordChecks({ threads: 2 })
const outcomes: AuthOutcome[] = []

beforeAll(async () => {
  bus = await connectBus({ servers: NATS_URL, name: 'auth-test', namespace: uniqueNamespace(), logger })
  stations = await startKvMirror({
    kv: await bus.kv(KvBuckets.stations),
    name: KvBuckets.stations,
    decode: jsonDecoder(stationRecordValidator),
    logger,
  })
})
afterAll(async () => {
  await checks.close()
  stations?.stop()
  await bus?.deleteNamespace()
  await bus?.close()
})

const basic = (user: string, password: string) =>
  `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`

async function put(id: string, record: StationRecord | string): Promise<void> {
  await (await bus.kv(KvBuckets.stations)).put(
    kvKey(id),
    typeof record === 'string' ? record : JSON.stringify(record),
  )
  await eventually(() => stations.get(kvKey(id)) !== undefined || stations.isUnreadable(kvKey(id)))
}

function authenticator(opts: { concurrency?: number; queueMax?: number; failures?: number } = {}) {
  outcomes.length = 0
  return createStationAuthenticator({
    stations,
    requireBasicAuth: true,
    verify: checks.verify,
    concurrency: opts.concurrency ?? 2,
    queueMax: opts.queueMax ?? 100,
    byAddress: createFailureThrottle({ maxFailures: opts.failures ?? 3, windowMs: 60_000 }),
    byStation: createFailureThrottle({ maxFailures: opts.failures ?? 3, windowMs: 60_000 }),
    count: (o) => outcomes.push(o),
  })
}

async function attempt(
  auth: ReturnType<typeof authenticator>,
  id: string,
  header: string | undefined,
  from = '198.51.100.1',
): Promise<'ok' | string> {
  try {
    await auth.authenticate(header, id, stations.get(kvKey(id)), from)
    return 'ok'
  } catch (err) {
    if (err instanceof GatewayError) return err.code
    throw err
  }
}

test('the right password passes and is remembered; the wrong one is refused with the same answer', async () => {
  await put('A-1', { registrationStatus: 'Accepted', password: hashPassword('s3cret') })
  const auth = authenticator()
  expect(await attempt(auth, 'A-1', basic('A-1', 's3cret'))).toBe('ok')
  expect(await attempt(auth, 'A-1', basic('A-1', 's3cret'))).toBe('ok')
  expect(await attempt(auth, 'A-1', basic('A-1', 'nope'))).toBe('GATEWAY_ERR_UNAUTHORIZED')
  expect(await attempt(auth, 'A-1', undefined)).toBe('GATEWAY_ERR_UNAUTHORIZED')
  expect(outcomes).toEqual(['verified', 'remembered', 'wrong', 'missing'])
})

test('an address that keeps failing is refused without a check; the station itself is not locked out', async () => {
  await put('A-2', { registrationStatus: 'Accepted', password: hashPassword('s3cret') })
  const auth = authenticator({ failures: 3 })
  for (let i = 0; i < 5; i++) await attempt(auth, 'A-2', basic('A-2', `guess-${i}`), '198.51.100.66')
  expect(outcomes.filter((o) => o === 'wrong')).toHaveLength(3)
  expect(outcomes.filter((o) => o === 'throttled')).toHaveLength(2)
  // The station, from an address that never failed it, still gets its (first, unremembered) check.
  expect(await attempt(auth, 'A-2', basic('A-2', 's3cret'), '203.0.113.9')).toBe('ok')
  // Guessing from many addresses: each that failed the station once is refused for it from then on.
  for (const a of ['198.51.100.1', '198.51.100.2', '198.51.100.3'])
    await attempt(auth, 'A-2', basic('A-2', 'again'), a)
  outcomes.length = 0
  expect(await attempt(auth, 'A-2', basic('A-2', 'more'), '198.51.100.1')).toBe('GATEWAY_ERR_UNAUTHORIZED')
  expect(outcomes).toEqual(['throttled'])
})

test('an IPv6 client is counted by its /64: new addresses from the same network do not reset its failures', async () => {
  await put('A-9', { registrationStatus: 'Accepted', password: hashPassword('s3cret') })
  const auth = authenticator({ failures: 3 })
  for (let i = 1; i <= 5; i++) await attempt(auth, 'A-9', basic('A-9', `guess-${i}`), `2001:db8:7:7::${i}`)
  expect(outcomes.filter((o) => o === 'wrong')).toHaveLength(3)
  expect(outcomes.filter((o) => o === 'throttled')).toHaveLength(2)
  expect(await attempt(auth, 'A-9', basic('A-9', 's3cret'), '2001:db8:7:8::1')).toBe('ok')
})

test('a flood of wrong credentials for thousands of identities never makes an honest station check again', async () => {
  await put('A-8', { registrationStatus: 'Accepted', password: hashPassword('s3cret') })
  const auth = authenticator({ failures: 1_000_000 })
  expect(await attempt(auth, 'A-8', basic('A-8', 's3cret'))).toBe('ok')
  // identities without a record need no scrypt to refuse: the flood is fast, and remembered as wrong
  for (let i = 0; i < 25_000; i++)
    await attempt(
      auth,
      `NOBODY-${i}`,
      basic(`NOBODY-${i}`, 'x'),
      `10.${i >> 16}.${(i >> 8) & 255}.${i & 255}`,
    )
  outcomes.length = 0
  expect(await attempt(auth, 'A-8', basic('A-8', 's3cret'))).toBe('ok')
  expect(outcomes).toEqual(['remembered'])
})

test('checks run on worker threads at the lowest CPU priority: scrypt yields to the event loop', async () => {
  expect(await checks.scheduling()).toEqual({ nice: 19, idle: true })
  const stored = hashPassword('s3cret')
  expect(await checks.verify(stored, 's3cret')).toBe(true)
  expect(await checks.verify(stored, 'S3CRET')).toBe(false)
})

test('a flood arriving at once is throttled as it queues, not only before it starts', async () => {
  await put('A-3', { registrationStatus: 'Accepted', password: hashPassword('s3cret') })
  const auth = authenticator({ concurrency: 1, failures: 3 })
  await Promise.all(Array.from({ length: 20 }, (_, i) => attempt(auth, 'A-3', basic('A-3', `guess-${i}`))))
  expect(outcomes.filter((o) => o === 'wrong').length).toBeLessThanOrEqual(3)
})

test('more checks waiting than the queue takes: busy, at once', async () => {
  await put('A-4', { registrationStatus: 'Accepted', password: hashPassword('s3cret') })
  const auth = authenticator({ concurrency: 1, queueMax: 0, failures: 100 })
  const results = await Promise.all([
    attempt(auth, 'A-4', basic('A-4', 'one')),
    attempt(auth, 'A-4', basic('A-4', 'two'), '198.51.100.2'),
  ])
  expect(results.sort()).toEqual(['GATEWAY_ERR_BUSY', 'GATEWAY_ERR_UNAUTHORIZED'])
})

test('one client holds at most a tenth of the waiting places: another client still gets one', async () => {
  await put('A-10', { registrationStatus: 'Accepted', password: hashPassword('ten') })
  const auth = authenticator({ concurrency: 1, queueMax: 10, failures: 100 })
  const crowd = Array.from({ length: 6 }, (_, i) =>
    attempt(auth, 'A-10', basic('A-10', `g-${i}`), '198.51.100.10'),
  )
  const other = attempt(auth, 'A-10', basic('A-10', 'ten'), '203.0.113.10')
  const results = await Promise.all(crowd)
  expect(results.filter((r) => r === 'GATEWAY_ERR_BUSY')).toHaveLength(4) // one running, one waiting
  expect(await other).toBe('ok')
})

test('screen: before the body is read, what can never pass is refused without a check', async () => {
  await put('A-11', { registrationStatus: 'Accepted', password: hashPassword('eleven') })
  await put('A-12', { registrationStatus: 'Accepted' })
  const auth = authenticator({ failures: 2 })
  const screened = (header: string | undefined, from = '198.51.100.11') => {
    try {
      auth.screen(header, from)
      return 'passed'
    } catch (err) {
      return (err as GatewayError).code
    }
  }
  expect(screened(undefined)).toBe('GATEWAY_ERR_UNAUTHORIZED')
  expect(screened('Bearer x')).toBe('GATEWAY_ERR_UNAUTHORIZED')
  expect(screened(basic('A-12', 'anything'))).toBe('GATEWAY_ERR_UNAUTHORIZED') // no password: never passes
  expect(screened(basic('NOBODY', 'anything'))).toBe('GATEWAY_ERR_UNAUTHORIZED')
  // the two failures (A-12, NOBODY) used up this client's allowance: new credentials are refused unread
  expect(screened(basic('A-11', 'eleven'))).toBe('GATEWAY_ERR_UNAUTHORIZED')
  const elsewhere = '203.0.113.11'
  expect(screened(basic('A-11', 'eleven'), elsewhere)).toBe('passed') // needs its check, after decoding
  expect(await attempt(auth, 'A-11', basic('A-11', 'eleven'), elsewhere)).toBe('ok')
  expect(screened(basic('A-11', 'eleven'), elsewhere)).toBe('passed')
  expect(outcomes).toEqual(['missing', 'missing', 'unverifiable', 'unverifiable', 'throttled', 'verified'])
})

test('a new password for one station forgets only that station’s verdicts', async () => {
  await put('A-5', { registrationStatus: 'Accepted', password: hashPassword('five') })
  await put('A-6', { registrationStatus: 'Accepted', password: hashPassword('six') })
  const auth = authenticator()
  expect(await attempt(auth, 'A-5', basic('A-5', 'five'))).toBe('ok')
  expect(await attempt(auth, 'A-6', basic('A-6', 'six'))).toBe('ok')
  await put('A-5', { registrationStatus: 'Accepted', password: hashPassword('new-five') })
  await eventually(async () => (await attempt(auth, 'A-5', basic('A-5', 'five'))) !== 'ok')
  outcomes.length = 0
  expect(await attempt(auth, 'A-6', basic('A-6', 'six'))).toBe('ok')
  expect(outcomes).toEqual(['remembered'])
})

test('fail closed: an unreadable record asks for credentials and refuses every one', async () => {
  await put('A-7', '{"registrationStatus": "Accepted", "password": "plain"}')
  expect(stations.isUnreadable(kvKey('A-7'))).toBe(true)
  const auth = createStationAuthenticator({
    stations,
    requireBasicAuth: false, // even where stations without a password need none
    verify: checks.verify,
    concurrency: 1,
    queueMax: 10,
    byAddress: createFailureThrottle({ maxFailures: 100, windowMs: 60_000 }),
    byStation: createFailureThrottle({ maxFailures: 100, windowMs: 60_000 }),
  })
  expect(await attempt(auth, 'A-7', undefined)).toBe('GATEWAY_ERR_UNAUTHORIZED')
  expect(await attempt(auth, 'A-7', basic('A-7', 'plain'))).toBe('GATEWAY_ERR_UNAUTHORIZED')
})

test('a mirror whose initial load times out does not pretend to be loaded', async () => {
  const proxy = await startTcpProxy({
    targetHost: '127.0.0.1',
    targetPort: Number(new URL(NATS_URL).port || 4222),
  })
  const ns = uniqueNamespace()
  const direct = await connectBus({ servers: NATS_URL, name: 'auth-test-fill', namespace: ns, logger })
  const viaProxy = await connectBus({
    servers: `nats://127.0.0.1:${proxy.port}`,
    name: 'auth-test-slow',
    namespace: ns,
    logger,
  })
  try {
    const kv = await direct.kv(KvBuckets.stations)
    for (let i = 0; i < 50; i++)
      await kv.put(kvKey(`S-${i}`), JSON.stringify({ registrationStatus: 'Accepted' }))
    const slowKv = await viaProxy.kv(KvBuckets.stations)
    await proxy.pause('refuse')
    const mirror = await startKvMirror({
      kv: slowKv,
      name: KvBuckets.stations,
      decode: jsonDecoder(stationRecordValidator),
      logger,
      syncTimeoutMs: 300,
    }).catch(() => undefined)
    // Either start-up gives up on the bucket, or it starts and says it is not loaded: never "synced".
    expect(mirror?.synced ?? false).toBe(false)
    mirror?.stop()
  } finally {
    await proxy.resume()
    await viaProxy.close().catch(() => {})
    await proxy.close()
    await direct.deleteNamespace()
    await direct.close()
  }
}, 20_000)
