import type { ChargingTransaction, Connector, Station } from '@chargebus/db'
import {
  applyBatch,
  type BatchState,
  connectorKey,
  dedupeMessages,
  needsOf,
  PLACEHOLDER_STATUS_AT,
} from '../../src/domain/apply-batch.ts'
import { type TypedStationMessage, typedStationMessage } from '../../src/domain/typed-station-message.ts'
import {
  aBoot,
  aDataTransfer,
  aFirmwareStatus,
  aHeartbeat,
  aMeterValues,
  aStart,
  aStatus,
  aStop,
  type Raw,
  registerReading,
} from '../support/messages.ts'

/* The pure mapping, table-driven with builders: stored rows + messages -> rows to write + events. */

const RULES = { clockSkewThresholdMs: 300_000 }

function aStation(overrides: Partial<Station> = {}): Station {
  return {
    id: 'CP-1',
    vendor: null,
    model: null,
    serial: null,
    firmware_version: null,
    ocpp_version: null,
    endpoint_url: null,
    registration_status: 'Pending',
    first_seen_at: null,
    last_seen_at: null,
    created_at: new Date('2026-01-01T00:00:00Z'),
    updated_at: new Date('2026-01-01T00:00:00Z'),
    charge_box_serial: null,
    iccid: null,
    imsi: null,
    meter_type: null,
    meter_serial: null,
    registration_status_at: null,
    last_boot_at: null,
    heartbeat_interval_s: null,
    offline_since: null,
    clock_skew_ms: null,
    clock_skew_at: null,
    firmware_status: null,
    firmware_status_at: null,
    diagnostics_status: null,
    diagnostics_status_at: null,
    ...overrides,
  }
}

function aConnector(overrides: Partial<Connector> = {}): Connector {
  return {
    station_id: 'CP-1',
    connector_id: 1,
    status: 'Unavailable',
    error_code: 'NoError',
    info: null,
    vendor_error_code: null,
    status_at: PLACEHOLDER_STATUS_AT,
    updated_at: new Date('2026-01-01T00:00:00Z'),
    vendor_id: null,
    meter_register_wh: null,
    meter_register_at: null,
    ...overrides,
  }
}

function aTransaction(overrides: Partial<ChargingTransaction> = {}): ChargingTransaction {
  return {
    id: 1,
    station_id: 'CP-1',
    connector_id: null,
    id_tag: null,
    id_tag_status: null,
    reservation_id: null,
    meter_start: null,
    started_at: null,
    start_message_id: null,
    start_received_at: null,
    stop_id_tag: null,
    stop_id_tag_status: null,
    meter_stop: null,
    stopped_at: null,
    stop_reason: null,
    stop_message_id: null,
    stop_received_at: null,
    overdue_reported_at: null,
    energy_wh: null,
    duration_s: null,
    state: 'stop_only',
    updated_at: new Date('2026-01-01T00:00:00Z'),
    ...overrides,
  }
}

function stateOf(opts: {
  stations?: Station[]
  connectors?: Connector[]
  transactions?: ChargingTransaction[]
}): BatchState {
  return {
    stations: new Map((opts.stations ?? [aStation()]).map((s) => [s.id, s])),
    connectors: new Map((opts.connectors ?? []).map((c) => [connectorKey(c.station_id, c.connector_id), c])),
    transactions: new Map((opts.transactions ?? []).map((t) => [t.id, t])),
  }
}

const decode = (raws: Raw[]): TypedStationMessage[] => raws.map(typedStationMessage)
const apply = (state: BatchState, raws: Raw[]) => applyBatch(state, decode(raws), RULES)
const names = (changes: ReturnType<typeof apply>) => changes.events.map((e) => e.event.name)

describe('stations', () => {
  test.each([
    {
      name: 'a first boot fills identity and registration, and registers the station',
      stored: aStation(),
      messages: [
        aBoot({ receivedAt: '2026-11-26T10:00:00.000Z', firmware: '1.2', status: 'Pending', interval: 60 }),
      ],
      expected: {
        vendor: 'ACME',
        firmware_version: '1.2',
        registration_status: 'Pending',
        heartbeat_interval_s: 60,
        serial: 'SN-1',
      },
      events: ['station.registered'],
    },
    {
      name: 'an older boot changes nothing but first_seen_at',
      stored: aStation({
        vendor: 'NEW',
        last_boot_at: new Date('2026-11-26T12:00:00Z'),
        registration_status: 'Accepted',
        registration_status_at: new Date('2026-11-26T12:00:00Z'),
        first_seen_at: new Date('2026-11-26T12:00:00Z'),
        last_seen_at: new Date('2026-11-26T12:00:00Z'),
      }),
      messages: [aBoot({ receivedAt: '2026-11-26T10:00:00.000Z', status: 'Pending' })],
      expected: {
        vendor: 'NEW',
        registration_status: 'Accepted',
        first_seen_at: new Date('2026-11-26T10:00:00Z'),
      },
      events: [],
    },
    {
      name: 'any non-boot message of an unknown station means it was Accepted',
      stored: aStation(),
      messages: [aHeartbeat({ receivedAt: '2026-11-26T10:00:00.000Z' })],
      expected: {
        registration_status: 'Accepted',
        last_seen_at: new Date('2026-11-26T10:00:00Z'),
        ocpp_version: '1.6',
      },
      events: [],
    },
    {
      name: 'an offline station speaking again comes online',
      stored: aStation({
        offline_since: new Date('2026-11-26T09:00:00Z'),
        registration_status_at: new Date('2026-11-26T08:00:00Z'),
      }),
      messages: [aHeartbeat({ receivedAt: '2026-11-26T10:00:00.000Z' })],
      expected: { offline_since: null },
      events: ['station.online'],
    },
    {
      name: 'a message older than the offline mark does not bring it online',
      stored: aStation({
        offline_since: new Date('2026-11-26T11:00:00Z'),
        registration_status_at: new Date('2026-11-26T08:00:00Z'),
      }),
      messages: [aHeartbeat({ receivedAt: '2026-11-26T10:00:00.000Z' })],
      expected: { offline_since: new Date('2026-11-26T11:00:00Z') },
      events: [],
    },
    {
      name: 'firmware status is last-writer-wins by receivedAt',
      stored: aStation({
        firmware_status: 'Installing',
        firmware_status_at: new Date('2026-11-26T09:00:00Z'),
      }),
      messages: [aFirmwareStatus({ status: 'Installed', receivedAt: '2026-11-26T10:00:00.000Z' })],
      expected: { firmware_status: 'Installed' },
      events: [],
    },
  ])('$name', ({ stored, messages, expected, events }) => {
    const changes = apply(stateOf({ stations: [stored] }), messages)
    expect(changes.stations[0]).toMatchObject(expected)
    expect(names(changes)).toEqual(events)
  })
})

describe('connectors and status history', () => {
  test.each([
    {
      name: 'a new connector (placeholder row) takes the status and reports it',
      stored: aConnector(),
      status: aStatus({
        status: 'Available',
        timestamp: '2026-11-26T10:00:00.000Z',
        receivedAt: '2026-11-26T10:00:00.000Z',
      }),
      current: 'Available',
      events: ['connector.status_changed'],
    },
    {
      name: 'a newer status replaces the current one',
      stored: aConnector({ status: 'Available', status_at: new Date('2026-11-26T09:00:00Z') }),
      status: aStatus({
        status: 'Charging',
        timestamp: '2026-11-26T10:00:00.000Z',
        receivedAt: '2026-11-26T10:00:00.000Z',
      }),
      current: 'Charging',
      events: ['connector.status_changed'],
    },
    {
      name: 'an older status only goes to the history',
      stored: aConnector({ status: 'Charging', status_at: new Date('2026-11-26T11:00:00Z') }),
      status: aStatus({
        status: 'Available',
        timestamp: '2026-11-26T10:00:00.000Z',
        receivedAt: '2026-11-26T10:00:00.000Z',
      }),
      current: 'Charging',
      events: [],
    },
    {
      name: 'the same status, newer: stored, no event',
      stored: aConnector({ status: 'Available', status_at: new Date('2026-11-26T09:00:00Z') }),
      status: aStatus({
        status: 'Available',
        timestamp: '2026-11-26T10:00:00.000Z',
        receivedAt: '2026-11-26T10:00:00.000Z',
      }),
      current: 'Available',
      events: [],
    },
    {
      name: 'without a station timestamp, receivedAt is the status time',
      stored: aConnector({ status: 'Available', status_at: new Date('2026-11-26T09:00:00Z') }),
      status: aStatus({
        status: 'Faulted',
        errorCode: 'GroundFailure',
        timestamp: null,
        receivedAt: '2026-11-26T10:00:00.000Z',
      }),
      current: 'Faulted',
      events: ['connector.status_changed'],
    },
  ])('$name', ({ stored, status, current, events }) => {
    const state = stateOf({
      stations: [aStation({ registration_status_at: new Date(0) })],
      connectors: [stored],
    })
    const changes = apply(state, [status])
    expect(changes.statusEvents).toHaveLength(1)
    const written = changes.connectors[0] ?? stored
    expect(written.status).toBe(current)
    expect(names(changes)).toEqual(events)
  })

  test('a clock beyond the threshold is reported when it crosses it, not again', () => {
    const skewed = aStatus({ timestamp: '2026-11-26T10:10:00.000Z', receivedAt: '2026-11-26T10:00:00.000Z' })
    const first = apply(stateOf({ connectors: [aConnector()] }), [skewed])
    expect(names(first)).toContain('station.clock_skewed')
    expect(first.stations[0]?.clock_skew_ms).toBe('600000')
    const again = apply(
      stateOf({
        stations: [aStation({ clock_skew_ms: '600000', clock_skew_at: new Date('2026-11-26T10:00:00Z') })],
        connectors: [aConnector()],
      }),
      [aStatus({ timestamp: '2026-11-26T10:21:00.000Z', receivedAt: '2026-11-26T10:11:00.000Z' })],
    )
    expect(names(again)).not.toContain('station.clock_skewed')
  })
})

describe('transactions', () => {
  const start = aStart({ transactionId: 5, meterStart: 1000, timestamp: '2026-11-26T10:00:00.000Z' })
  const stop = aStop({
    transactionId: 5,
    meterStop: 4000,
    timestamp: '2026-11-26T11:00:00.000Z',
    reason: 'EVDisconnected',
  })

  test.each([
    {
      name: 'start on a fresh id',
      stored: aTransaction({ id: 5 }),
      messages: [start],
      events: ['session.started'],
    },
    {
      name: 'start then stop in one batch',
      stored: aTransaction({ id: 5 }),
      messages: [start, stop],
      events: ['session.started', 'session.completed'],
    },
    {
      name: 'stop before start: kept, no event',
      stored: aTransaction({ id: 5 }),
      messages: [stop],
      events: [],
    },
    {
      name: 'the start after a stored stop completes the session',
      stored: aTransaction({
        id: 5,
        meter_stop: 4000,
        stopped_at: new Date('2026-11-26T11:00:00Z'),
        stop_message_id: 'x',
      }),
      messages: [start],
      events: ['session.started', 'session.completed'],
    },
    {
      name: 'a second start (replay) changes nothing',
      stored: aTransaction({
        id: 5,
        meter_start: 1000,
        started_at: new Date('2026-11-26T10:00:00Z'),
        connector_id: 1,
      }),
      messages: [start],
      events: [],
    },
    {
      name: 'meterStop below meterStart completes and flags the register',
      stored: aTransaction({
        id: 5,
        meter_start: 9000,
        started_at: new Date('2026-11-26T10:00:00Z'),
        connector_id: 1,
      }),
      messages: [stop],
      events: ['session.completed', 'meter.register_decreased'],
    },
  ])('$name', ({ stored, messages, events }) => {
    const changes = apply(stateOf({ transactions: [stored] }), messages)
    expect(names(changes)).toEqual(events)
  })

  test('session.completed carries energy and duration', () => {
    const changes = apply(stateOf({ transactions: [aTransaction({ id: 5 })] }), [start, stop])
    expect(changes.events[1]?.data).toMatchObject({
      energyWh: 3000,
      durationS: 3600,
      stopReason: 'EVDisconnected',
      connectorId: 1,
    })
    expect(changes.events[1]?.msgId).toBe(`session.completed:CP-1/${stop.messageId}`)
  })

  test('a StopTransaction with id -1 is an unmatched stop, its transactionData go to meter_values without id', () => {
    const changes = apply(stateOf({}), [
      aStop({
        transactionId: -1,
        meterStop: 10,
        transactionData: [registerReading('2026-11-26T10:00:00.000Z', 10)],
      }),
    ])
    expect(changes.unmatchedStops).toMatchObject([{ transaction_id: -1, meter_stop: 10 }])
    expect(changes.meterValues).toMatchObject([
      { transaction_id: null, connector_id: 0, source_action: 'StopTransaction' },
    ])
    expect(changes.transactions).toEqual([])
  })

  test('a StartTransaction without the answered transactionId is refused as invalid', () => {
    const bad = aStart({ transactionId: 5 })
    bad.response = {}
    expect(() => needsOf(decode([bad]))).toThrow(
      expect.objectContaining({ code: 'INGEST_ERR_INVALID_STATION_MESSAGE' }),
    )
  })
})

describe('meter values', () => {
  test('register readings newer than the stored one are tracked; a decrease is flagged once', () => {
    const changes = apply(
      stateOf({
        connectors: [
          aConnector({
            status: 'Charging',
            status_at: new Date(1),
            meter_register_wh: '5000',
            meter_register_at: new Date('2026-11-26T10:00:00Z'),
          }),
        ],
      }),
      [
        aMeterValues({
          values: [
            registerReading('2026-11-26T09:00:00.000Z', 100), // older than the stored reading: not compared
            registerReading('2026-11-26T10:05:00.000Z', 4.9, { unit: 'kWh' }),
            registerReading('2026-11-26T10:10:00.000Z', 5200),
          ],
        }),
      ],
    )
    expect(names(changes)).toEqual(['meter.register_decreased'])
    expect(changes.events[0]?.data).toMatchObject({ previousWh: 5000, currentWh: 4900 })
    expect(changes.connectors[0]).toMatchObject({
      meter_register_wh: '5200',
      meter_register_at: new Date('2026-11-26T10:10:00Z'),
    })
    expect(changes.meterValues).toHaveLength(3)
  })

  test('values of a connector without a row are stored; nothing is tracked', () => {
    const changes = apply(stateOf({}), [
      aMeterValues({ values: [registerReading('2026-11-26T10:00:00.000Z', 1)] }),
    ])
    expect(changes.meterValues).toHaveLength(1)
    expect(changes.connectors).toEqual([])
  })
})

test('needsOf lists what to lock, sorted; dedupeMessages drops a repeated message', () => {
  const messages = decode([
    aStatus({ stationId: 'CP-B', connectorId: 2 }),
    aMeterValues({
      stationId: 'CP-A',
      connectorId: 1,
      values: [registerReading('2026-11-26T10:00:00.000Z', 1)],
    }),
    aStart({ stationId: 'CP-B', transactionId: 9 }),
    aStop({ stationId: 'CP-A', transactionId: 3 }),
    aStop({ stationId: 'CP-A', transactionId: -1 }),
    aDataTransfer({ stationId: 'CP-C' }),
  ])
  expect(needsOf(messages)).toEqual({
    stationIds: ['CP-A', 'CP-B', 'CP-C'],
    statusConnectors: [{ stationId: 'CP-B', connectorId: 2 }],
    connectors: [
      { stationId: 'CP-A', connectorId: 1 },
      { stationId: 'CP-B', connectorId: 2 },
    ],
    transactions: [
      { id: 3, stationId: 'CP-A' },
      { id: 9, stationId: 'CP-B' },
    ],
  })
  const one = messages[0] as TypedStationMessage
  expect(dedupeMessages([one, one, ...messages]).length).toBe(messages.length)
})

test('a 1.5 message is read from normalizedPayload', () => {
  const raw = aStatus({ ocppVersion: '1.5', status: 'Charging' })
  raw.normalizedPayload = raw.payload
  raw.payload = { connectorId: 1, status: 'Occupied', errorCode: 'NoError' }
  const m = typedStationMessage(raw)
  expect(m.action === 'StatusNotification' && m.request.status).toBe('Charging')
})

test.each([
  ['an unknown action', { action: 'Reboot' }],
  ['a payload that is not the 1.6 request', { payload: { connectorId: 'one' } }],
  ['a 1.5 message without normalizedPayload', { ocppVersion: '1.5' as const }],
])('decoding refuses %s', (_, overrides) => {
  expect(() => typedStationMessage({ ...aStatus(), ...overrides })).toThrow(
    expect.objectContaining({ code: 'INGEST_ERR_INVALID_STATION_MESSAGE', retryable: false }),
  )
})
