import { startTcpProxy, type TcpProxy } from '../../../../test/support/tcp-proxy.ts'
import { type Bus, BusUnreachableError, connectBus } from '../../src/index.ts'
import { eventually, NATS_URL, testLogger } from './helpers.ts'

/*
 * bus.ping() for /readyz against real NATS behind a TCP proxy that cuts the wire: a dead server
 * (refuse) must fail the ping at once, a silent network (blackhole) within the ping's timeout.
 */

const SLOW = 30_000

let proxy: TcpProxy
let bus: Bus

beforeAll(async () => {
  const nats = new URL(NATS_URL)
  proxy = await startTcpProxy({ targetHost: nats.hostname, targetPort: Number(nats.port || 4222) })
  bus = await connectBus({
    servers: `nats://${proxy.host}:${proxy.port}`,
    name: 'bus-ping-test',
    logger: testLogger,
  })
}, SLOW)

afterAll(async () => {
  await proxy?.resume()
  await bus?.close()
  await proxy?.close()
}, SLOW)

afterEach(async () => {
  await proxy.resume()
  // nats.js waits ~1 s between reconnect attempts.
  await eventually(() => bus.ping(500), 10_000)
}, SLOW)

async function timed(ping: Promise<void>): Promise<{ error: unknown; elapsedMs: number }> {
  const started = performance.now()
  const error = await ping.then(
    () => undefined,
    (err: unknown) => err,
  )
  return { error, elapsedMs: performance.now() - started }
}

test(
  'fails at once while NATS refuses connections, and passes again once it is back',
  async () => {
    await bus.ping(1000)
    await proxy.pause('refuse')

    // The first ping may start before nats.js has seen the socket close: it fails when it does.
    for (let i = 0; i < 3; i++) {
      const { error, elapsedMs } = await timed(bus.ping(5000))
      expect(error).toBeInstanceOf(BusUnreachableError)
      expect(error).toMatchObject({ code: 'BUS_ERR_UNREACHABLE', retryable: true, status: 503 })
      expect(elapsedMs).toBeLessThan(200)
    }
    expect((await timed(bus.ping(5000))).error).toMatchObject({
      message: 'NATS is disconnected (reconnecting)',
    })

    await proxy.resume()
    await eventually(() => bus.ping(500), 10_000)
  },
  SLOW,
)

test(
  'a ping in flight when the connection drops fails then, not at its timeout',
  async () => {
    await proxy.pause('blackhole') // the request leaves but no answer comes back
    const started = performance.now()
    const ping = timed(bus.ping(5000))
    await new Promise((resolve) => setTimeout(resolve, 300))
    await proxy.pause('refuse') // now the connection drops
    const { error } = await ping
    expect(error).toMatchObject({
      code: 'BUS_ERR_UNREACHABLE',
      message: 'NATS disconnected while waiting for an answer',
    })
    expect(performance.now() - started).toBeLessThan(300 + 200)
  },
  SLOW,
)

test(
  'fails after its timeout when the network silently drops traffic, and recovers',
  async () => {
    await bus.ping(1000)
    await proxy.pause('blackhole')
    const { error, elapsedMs } = await timed(bus.ping(500))
    expect(error).toMatchObject({ code: 'BUS_ERR_UNREACHABLE', message: 'NATS did not answer within 500 ms' })
    expect(elapsedMs).toBeGreaterThanOrEqual(490)
    expect(elapsedMs).toBeLessThan(1500)

    await proxy.resume()
    await eventually(() => bus.ping(500), 10_000)
  },
  SLOW,
)
