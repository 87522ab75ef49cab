import { OcppMessageReceived, Streams } from '@chargebus/events'
import { type Bus, connectBus, streamLimitsFrom } from '../../src/index.ts'
import {
  aStationMessage,
  closeTestBus,
  NATS_URL,
  openAdmin,
  physicalStream,
  testLogger,
  uniqueNamespace,
} from './helpers.ts'

describe('retention from configuration', () => {
  let bus: Bus | undefined

  afterEach(async () => {
    await closeTestBus(bus)
    bus = undefined
  })

  test('a full station stream drops its oldest messages and keeps accepting new ones', async () => {
    const limits = streamLimitsFrom({
      BUS_STREAM_OCPP_IN_MAX_BYTES: '64KiB',
      BUS_STREAM_OCPP_IN_MAX_AGE: '1h',
    })
    bus = await connectBus({
      servers: NATS_URL,
      name: 'retention-test',
      namespace: uniqueNamespace(),
      logger: testLogger,
      streamLimits: limits,
    })
    await bus.ensureStreams([Streams.OCPP_IN])
    const payload = 'x'.repeat(700)
    let last = 0
    // About 3x the limit: with discard new the publishes past ~64 KiB would be refused.
    for (let i = 0; i < 250; i++) {
      const r = await bus.publish(
        OcppMessageReceived,
        aStationMessage({ payload: { connectorId: 1, pad: payload } }),
        { msgId: `m-${i}` },
      )
      last = r.seq
    }
    expect(last).toBe(250)
    const admin = await openAdmin()
    try {
      const info = await admin.jsm.streams.info(physicalStream(bus, 'OCPP_IN'))
      expect(info.config.discard).toBe('old')
      expect(info.config.max_bytes).toBe(64 * 1024)
      expect(info.config.max_age).toBe(3_600 * 1e9)
      expect(info.state.last_seq).toBe(250)
      expect(info.state.first_seq).toBeGreaterThan(1)
      expect(info.state.bytes).toBeLessThanOrEqual(64 * 1024)
    } finally {
      await admin.nc.close()
    }
  })

  test('another process with other limits updates the stream in place; the same limits change nothing', async () => {
    const ns = uniqueNamespace()
    const open = (size: string) =>
      connectBus({
        servers: NATS_URL,
        name: 'retention-test',
        namespace: ns,
        logger: testLogger,
        streamLimits: streamLimitsFrom({ BUS_STREAM_COMMANDS_MAX_BYTES: size }),
      })
    bus = await open('1MiB')
    await bus.ensureStreams([Streams.COMMANDS])
    const other = await open('2MiB')
    const admin = await openAdmin()
    try {
      const before = await admin.jsm.streams.info(physicalStream(bus, 'COMMANDS'))
      await bus.ensureStreams([Streams.COMMANDS])
      await other.ensureStreams([Streams.COMMANDS])
      const after = await admin.jsm.streams.info(physicalStream(bus, 'COMMANDS'))
      expect(before.config.max_bytes).toBe(1024 * 1024)
      expect(after.config.max_bytes).toBe(2 * 1024 * 1024)
      expect(after.created).toBe(before.created)
    } finally {
      await other.close()
      await admin.nc.close()
    }
  })
})
