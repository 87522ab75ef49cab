import { Streams } from '@chargebus/events'
import { toConsumerConfig } from '../../src/consumer-setup.ts'
import { InvalidBusOptionsError } from '../../src/index.ts'
import { createNamespace } from '../../src/namespace.ts'
import { toStreamConfig } from '../../src/streams.ts'

describe('createNamespace', () => {
  test('maps logical names to prefixed ones and back', () => {
    const ns = createNamespace('t123')
    expect(ns.stream('OCPP_IN')).toBe('T123_OCPP_IN')
    expect(ns.logicalStream('T123_OCPP_IN')).toBe('OCPP_IN')
    expect(ns.subject('ocpp.in.1_6.CP.Heartbeat')).toBe('t123.ocpp.in.1_6.CP.Heartbeat')
    expect(ns.logicalSubject('t123.ocpp.in.1_6.CP.Heartbeat')).toBe('ocpp.in.1_6.CP.Heartbeat')
    expect(ns.bucket('stations')).toBe('T123_stations')
    expect(ns.ownsStream('T123_OCPP_IN')).toBe(true)
    expect(ns.ownsStream('KV_T123_stations')).toBe(true)
    expect(ns.ownsStream('T1234_OCPP_IN')).toBe(false)
    expect(ns.ownsStream('OCPP_IN')).toBe(false)
  })

  test('the empty namespace is the identity and owns nothing', () => {
    const ns = createNamespace('')
    expect(ns.stream('OCPP_IN')).toBe('OCPP_IN')
    expect(ns.subject('cmd.x')).toBe('cmd.x')
    expect(ns.logicalSubject('cmd.x')).toBe('cmd.x')
    expect(ns.bucket('stations')).toBe('stations')
    expect(ns.ownsStream('OCPP_IN')).toBe(false)
  })

  test.each(['T123', 't.1', 't*', '1abc', 'a b', 'x'.repeat(33)])('refuses %j', (name) => {
    expect(() => createNamespace(name)).toThrow(InvalidBusOptionsError)
  })
})

describe('toStreamConfig', () => {
  test('declares a file-backed limits stream with the catalog limits, namespaced', () => {
    const config = toStreamConfig(Streams.DOMAIN, createNamespace('t1'), {
      replicas: 3,
      limits: { DOMAIN: { maxBytes: Streams.DOMAIN.maxBytes, maxAgeMs: Streams.DOMAIN.maxAgeMs } },
    })
    expect(config).toEqual({
      name: 'T1_DOMAIN',
      subjects: ['t1.station.>', 't1.connector.>', 't1.session.>', 't1.meter.>'],
      description: Streams.DOMAIN.description,
      retention: 'limits',
      storage: 'file',
      discard: 'old',
      max_age: Streams.DOMAIN.maxAgeMs * 1_000_000,
      max_bytes: Streams.DOMAIN.maxBytes,
      max_msg_size: Streams.DOMAIN.maxMsgSize,
      duplicate_window: 120_000_000_000,
      num_replicas: 3,
    })
  })

  test('maxBytes caps but never raises the configured limit', () => {
    const ns = createNamespace('')
    expect(toStreamConfig(Streams.OCPP_IN, ns, { maxBytes: 1024 }).max_bytes).toBe(1024)
    expect(toStreamConfig(Streams.OCPP_IN, ns, { maxBytes: Number.MAX_SAFE_INTEGER }).max_bytes).toBe(
      Streams.OCPP_IN.devMaxBytes,
    )
  })

  test('without limits a stream gets its small development default', () => {
    const config = toStreamConfig(Streams.OCPP_IN, createNamespace(''))
    expect(config.max_bytes).toBe(Streams.OCPP_IN.devMaxBytes)
    expect(config.max_age).toBe(Streams.OCPP_IN.maxAgeMs * 1_000_000)
  })
})

describe('toConsumerConfig', () => {
  test('an explicit-ack durable whose delivery limit the bus enforces', () => {
    const config = toConsumerConfig(
      {
        stream: Streams.OCPP_IN,
        durable: 'ingest',
        filterSubject: 'ocpp.in.>',
        ackWaitMs: 30_000,
        maxAckPending: 500,
      },
      createNamespace('t9'),
    )
    expect(config).toMatchObject({
      durable_name: 'ingest',
      ack_policy: 'explicit',
      deliver_policy: 'all',
      ack_wait: 30_000_000_000,
      max_ack_pending: 500,
      max_deliver: -1,
      filter_subject: 't9.ocpp.in.>',
    })
  })

  test.each(['a.b', 'a b', '', 'a*', 'a>'])('refuses durable %j', (durable) => {
    expect(() =>
      toConsumerConfig(
        { stream: Streams.OCPP_IN, durable, ackWaitMs: 1, maxAckPending: 1 },
        createNamespace(''),
      ),
    ).toThrow(InvalidBusOptionsError)
  })
})
