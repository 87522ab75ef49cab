import { allStreams, type EventData, type OcppMessageReceived } from '@chargebus/events'
import { type JetStreamManager, jetstreamManager } from '@nats-io/jetstream'
import { connect, type NatsConnection } from '@nats-io/transport-node'
import { pino } from 'pino'
import { NATS_URL, uniqueNamespace as namespaceWithPrefix } from '../../../../test/support/nats.ts'
import { type Bus, connectBus } from '../../src/index.ts'

export const testLogger = pino({ level: process.env.LOG_LEVEL ?? 'silent' })

/** A bus in a fresh namespace with every catalog stream (capped small: max_bytes is a reservation). */
export async function openTestBus(opts: { streams?: boolean; publishTimeoutMs?: number } = {}): Promise<Bus> {
  const bus = await connectBus({
    servers: NATS_URL,
    name: 'bus-test',
    namespace: uniqueNamespace(),
    logger: testLogger,
    ...(opts.publishTimeoutMs ? { publishTimeoutMs: opts.publishTimeoutMs } : {}),
  })
  if (opts.streams !== false) await bus.ensureStreams(allStreams, { maxBytes: 16 * 1024 * 1024 })
  return bus
}

export async function closeTestBus(bus: Bus | undefined): Promise<void> {
  if (!bus) return
  await bus.close()
  // A separate connection: the bus is closed, its namespace must still go.
  const admin = await openAdmin()
  try {
    const prefix = `${bus.namespace.toUpperCase()}_`
    for await (const name of admin.jsm.streams.names()) {
      if (name.startsWith(prefix) || name.startsWith(`KV_${prefix}`)) await admin.jsm.streams.delete(name)
    }
  } finally {
    await admin.nc.close()
  }
}

/** A plain NATS connection to look at what the bus did, as an outside observer. */
export async function openAdmin(): Promise<{ nc: NatsConnection; jsm: JetStreamManager }> {
  const nc = await connect({ servers: NATS_URL, name: 'bus-test-admin' })
  return { nc, jsm: await jetstreamManager(nc) }
}

export type Admin = Awaited<ReturnType<typeof openAdmin>>

/**
 * Opens a test bus (own namespace, all streams) and an admin connection before a describe block's tests, hands
 * both to `use`, and closes them (deleting the namespace) after the block.
 */
export function withBusAndAdmin(use: (opened: { bus: Bus; admin: Admin }) => void): void {
  let opened: { bus: Bus; admin: Admin } | undefined
  let bus: Bus | undefined
  beforeAll(async () => {
    bus = await openTestBus()
    opened = { bus, admin: await openAdmin() }
    use(opened)
  })
  afterAll(async () => {
    await opened?.admin.nc.close()
    await closeTestBus(bus)
  })
}

export function physicalStream(bus: Bus, logical: string): string {
  return `${bus.namespace.toUpperCase()}_${logical}`
}

export async function eventually<T>(check: () => Promise<T> | T, timeoutMs = 5_000): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    try {
      return await check()
    } catch (err) {
      if (Date.now() > deadline) throw err
      await new Promise((r) => setTimeout(r, 20))
    }
  }
}

let counter = 0

/** A valid raw station message with a unique messageId. */
export function aStationMessage(
  overrides: Partial<EventData<typeof OcppMessageReceived>> = {},
): EventData<typeof OcppMessageReceived> {
  counter++
  return {
    stationId: 'CP.0001 main',
    ocppVersion: '1.6',
    action: 'MeterValues',
    messageId: `urn:uuid:test-${Date.now()}-${counter}`,
    receivedAt: new Date().toISOString(),
    from: 'http://10.0.0.7:8080/ChargePointService',
    payload: { connectorId: 1, values: [{ wh: 1000 + counter }] },
    quirks: [],
    ...overrides,
  }
}

/** A namespace of this suite's own. */
export function uniqueNamespace(): string {
  return namespaceWithPrefix('t')
}

export { NATS_URL }
