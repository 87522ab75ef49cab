import { AppError } from '@chargebus/errors'
import { allStreams, OcppMessageReceived, Streams } from '@chargebus/events'
import { Registry } from 'prom-client'
import { NATS_URL } from '../../../../test/support/nats.ts'
import { type Bus, type Consumption, connectBus } from '../../src/index.ts'
import {
  type Admin,
  aStationMessage,
  closeTestBus,
  eventually,
  openAdmin,
  physicalStream,
  testLogger,
  uniqueNamespace,
} from './helpers.ts'

/** The value of one series of `registry`, undefined when it has none. */
async function seriesValue(registry: Registry, name: string, labels: Record<string, string>) {
  const metric = (await registry.getMetricsAsJSON()).find((m) => m.name === name)
  const values = (metric?.values ?? []) as Array<{ labels: Record<string, string | number>; value: number }>
  return values.find((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l))?.value
}

describe('bus metrics (registered with BusOptions.metrics)', () => {
  const registry = new Registry()
  // The lag is measured at this instant: the test's clock, never the wall clock.
  let nowMs = 0
  let bus: Bus
  let admin: Admin
  let consumption: Consumption | undefined
  let failing: Consumption | undefined
  let release: () => void = () => {}

  beforeAll(async () => {
    bus = await connectBus({
      servers: NATS_URL,
      name: 'bus-metrics-test',
      namespace: uniqueNamespace(),
      logger: testLogger,
      metrics: { registry, streams: [Streams.OCPP_IN, Streams.DEAD_LETTERS], cacheMs: 0, now: () => nowMs },
    })
    await bus.ensureStreams(allStreams, { maxBytes: 16 * 1024 * 1024 })
    admin = await openAdmin()
  })

  afterAll(async () => {
    release()
    await consumption?.stop()
    await failing?.stop()
    await admin?.nc.close()
    await closeTestBus(bus)
  })

  test('publishes by outcome, consumer lag in messages and seconds from its oldest unacked message, stream usage', async () => {
    // A message of another station first: older, but not on the consumer's filter, so not its lag.
    const other = aStationMessage({ stationId: 'M-OTHER' })
    await bus.publish(OcppMessageReceived, other, { msgId: other.messageId })
    // Apart in time, so a lag measured from the wrong message would be off by more than the tolerance.
    await new Promise((resolve) => setTimeout(resolve, 50))
    const mine = [aStationMessage({ stationId: 'M-1' }), aStationMessage({ stationId: 'M-1' })]
    const first = await bus.publish(OcppMessageReceived, mine[0] as never, {
      msgId: mine[0]?.messageId as string,
    })
    await bus.publish(OcppMessageReceived, mine[1] as never, { msgId: mine[1]?.messageId as string })
    await bus.publish(OcppMessageReceived, mine[1] as never, { msgId: mine[1]?.messageId as string })

    const labels = { stream: 'OCPP_IN', event: OcppMessageReceived.name }
    expect(
      await seriesValue(registry, 'chargebus_bus_published_total', { ...labels, outcome: 'stored' }),
    ).toBe(3)
    expect(
      await seriesValue(registry, 'chargebus_bus_published_total', { ...labels, outcome: 'duplicate' }),
    ).toBe(1)

    // A consumer whose handler holds the first message: both of its messages stay unacked.
    const held = new Promise<void>((resolve) => {
      release = resolve
    })
    consumption = await bus.consume({
      stream: Streams.OCPP_IN,
      durable: 'metrics-held',
      filterSubject: 'ocpp.in.*.M-1.>',
      events: OcppMessageReceived,
      handler: () => held,
    })
    const stored = await admin.jsm.streams.getMessage(physicalStream(bus, 'OCPP_IN'), { seq: first.seq })
    nowMs = (stored?.time.getTime() ?? Number.NaN) + 42_000
    const consumer = { stream: 'OCPP_IN', durable: 'metrics-held' }
    await eventually(async () => {
      expect(await seriesValue(registry, 'chargebus_bus_consumer_pending_messages', consumer)).toBe(2)
    })
    // Delivered and not acked: the held one, and the other when the client prefetched it.
    const ackPending = await seriesValue(registry, 'chargebus_bus_consumer_ack_pending_messages', consumer)
    expect([1, 2]).toContain(ackPending)
    expect(await seriesValue(registry, 'chargebus_bus_consumer_lag_seconds', consumer)).toBeCloseTo(42, 3)

    expect(await seriesValue(registry, 'chargebus_bus_stream_messages', { stream: 'OCPP_IN' })).toBe(3)
    expect(await seriesValue(registry, 'chargebus_bus_stream_max_bytes', { stream: 'OCPP_IN' })).toBe(
      16 * 1024 * 1024,
    )
    const bytes = (await seriesValue(registry, 'chargebus_bus_stream_bytes', { stream: 'OCPP_IN' })) ?? 0
    expect(bytes).toBeGreaterThan(0)
    expect(
      await seriesValue(registry, 'chargebus_bus_stream_usage_ratio', { stream: 'OCPP_IN' }),
    ).toBeCloseTo(bytes / (16 * 1024 * 1024), 9)
    expect(await seriesValue(registry, 'chargebus_bus_stream_messages', { stream: 'DEAD_LETTERS' })).toBe(0)

    // Released: both acked, nothing behind, no lag.
    release()
    await eventually(async () => {
      expect(
        await seriesValue(registry, 'chargebus_bus_consumed_total', { ...consumer, outcome: 'acked' }),
      ).toBe(2)
      expect(await seriesValue(registry, 'chargebus_bus_consumer_pending_messages', consumer)).toBe(0)
    })
    expect(await seriesValue(registry, 'chargebus_bus_consumer_lag_seconds', consumer)).toBe(0)
  }, 20_000)

  test('settlements by outcome: a retry (counted as a redelivery when it comes back), a dead letter', async () => {
    const retryOnce = aStationMessage({ stationId: 'M-2' })
    const poison = aStationMessage({ stationId: 'M-2' })
    const seen = new Map<string, number>()
    failing = await bus.consume({
      stream: Streams.OCPP_IN,
      durable: 'metrics-failing',
      filterSubject: 'ocpp.in.*.M-2.>',
      events: OcppMessageReceived,
      backoffMs: [10],
      handler: async (e) => {
        const n = (seen.get(e.data.messageId) ?? 0) + 1
        seen.set(e.data.messageId, n)
        if (e.data.messageId === poison.messageId)
          throw new AppError('TEST_ERR_POISON', 'never valid', { retryable: false })
        if (n === 1) throw new Error('first delivery fails')
      },
    })
    await bus.publish(OcppMessageReceived, retryOnce, { msgId: retryOnce.messageId })
    await bus.publish(OcppMessageReceived, poison, { msgId: poison.messageId })

    const consumer = { stream: 'OCPP_IN', durable: 'metrics-failing' }
    const count = async (outcome: string) =>
      seriesValue(registry, 'chargebus_bus_consumed_total', { ...consumer, outcome })
    await eventually(async () => {
      expect(await count('acked')).toBe(1)
      expect(await count('dead-lettered')).toBe(1)
    })
    expect(await count('retried')).toBe(1)
    expect(await seriesValue(registry, 'chargebus_bus_redeliveries_total', consumer)).toBe(1)
    expect(await seriesValue(registry, 'chargebus_bus_stream_messages', { stream: 'DEAD_LETTERS' })).toBe(1)
    expect(
      await seriesValue(registry, 'chargebus_bus_published_total', {
        stream: 'DEAD_LETTERS',
        event: 'dead-letter.recorded',
        outcome: 'stored',
      }),
    ).toBe(1)
  }, 20_000)
})
