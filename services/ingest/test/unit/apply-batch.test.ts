import { applyBatch, type BatchChanges } from '../../src/domain/batch/apply-batch.ts'
import { dedupeMessages, needsOf } from '../../src/domain/batch/batch-needs.ts'
import type { BatchState } from '../../src/domain/batch/batch-state.ts'
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
import { aBatchState, aConnector, aStation, aTransaction } from '../support/state.ts'

/* The pure mapping, table-driven with builders: stored state + messages -> state to write, history, events. */

const RULES = { clockSkewThresholdMs: 300_000 }

const decode = (raws: Raw[]): TypedStationMessage[] => raws.map(typedStationMessage)
const apply = (state: BatchState, raws: Raw[]) => applyBatch(state, decode(raws), RULES)
const names = (changes: BatchChanges) => changes.events.map((e) => e.event.name)

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
        firmwareVersion: '1.2',
        registrationStatus: 'Pending',
        heartbeatIntervalS: 60,
        serial: 'SN-1',
      },
      events: ['station.registered'],
    },
    {
      name: 'an older boot changes nothing but firstSeenAt',
      stored: aStation({
        vendor: 'NEW',
        lastBootAt: new Date('2026-11-26T12:00:00Z'),
        registrationStatus: 'Accepted',
        registrationStatusAt: new Date('2026-11-26T12:00:00Z'),
        firstSeenAt: new Date('2026-11-26T12:00:00Z'),
        lastSeenAt: new Date('2026-11-26T12:00:00Z'),
      }),
      messages: [aBoot({ receivedAt: '2026-11-26T10:00:00.000Z', status: 'Pending' })],
      expected: {
        vendor: 'NEW',
        registrationStatus: 'Accepted',
        firstSeenAt: new Date('2026-11-26T10:00:00Z'),
      },
      events: [],
    },
    {
      name: 'any non-boot message of an unknown station means it was Accepted',
      stored: aStation(),
      messages: [aHeartbeat({ receivedAt: '2026-11-26T10:00:00.000Z' })],
      expected: {
        registrationStatus: 'Accepted',
        lastSeenAt: new Date('2026-11-26T10:00:00Z'),
        ocppVersion: '1.6',
      },
      events: [],
    },
    {
      name: 'an offline station speaking again comes online',
      stored: aStation({
        offlineSince: new Date('2026-11-26T09:00:00Z'),
        registrationStatusAt: new Date('2026-11-26T08:00:00Z'),
      }),
      messages: [aHeartbeat({ receivedAt: '2026-11-26T10:00:00.000Z' })],
      expected: { offlineSince: null },
      events: ['station.online'],
    },
    {
      name: 'a message older than the offline mark does not bring it online',
      stored: aStation({
        offlineSince: new Date('2026-11-26T11:00:00Z'),
        registrationStatusAt: new Date('2026-11-26T08:00:00Z'),
      }),
      messages: [aHeartbeat({ receivedAt: '2026-11-26T10:00:00.000Z' })],
      expected: { offlineSince: new Date('2026-11-26T11:00:00Z') },
      events: [],
    },
    {
      name: 'firmware status is last-writer-wins by receivedAt',
      stored: aStation({
        firmwareStatus: 'Installing',
        firmwareStatusAt: new Date('2026-11-26T09:00:00Z'),
      }),
      messages: [aFirmwareStatus({ status: 'Installed', receivedAt: '2026-11-26T10:00:00.000Z' })],
      expected: { firmwareStatus: 'Installed' },
      events: [],
    },
  ])('$name', ({ stored, messages, expected, events }) => {
    const changes = apply(aBatchState({ stations: [stored] }), messages)
    expect(changes.stations[0]).toMatchObject(expected)
    expect(names(changes)).toEqual(events)
  })
})

describe('connectors and status history', () => {
  test.each([
    {
      name: 'a new connector (placeholder) takes the status and reports it',
      stored: aConnector(),
      status: aStatus({
        status: 'Available',
        timestamp: '2026-11-26T10:00:00.000Z',
        receivedAt: '2026-11-26T10:00:00.000Z',
      }),
      current: 'Available',
      events: ['connector.status_recorded', 'connector.status_changed'],
    },
    {
      name: 'a newer status replaces the current one',
      stored: aConnector({ status: 'Available', statusAt: new Date('2026-11-26T09:00:00Z') }),
      status: aStatus({
        status: 'Charging',
        timestamp: '2026-11-26T10:00:00.000Z',
        receivedAt: '2026-11-26T10:00:00.000Z',
      }),
      current: 'Charging',
      events: ['connector.status_recorded', 'connector.status_changed'],
    },
    {
      name: 'an older status goes to the history and is reported as recorded, not as a change',
      stored: aConnector({ status: 'Charging', statusAt: new Date('2026-11-26T11:00:00Z') }),
      status: aStatus({
        status: 'Available',
        timestamp: '2026-11-26T10:00:00.000Z',
        receivedAt: '2026-11-26T10:00:00.000Z',
      }),
      current: 'Charging',
      events: ['connector.status_recorded'],
    },
    {
      name: 'the same status, newer: stored, recorded, no change',
      stored: aConnector({ status: 'Available', statusAt: new Date('2026-11-26T09:00:00Z') }),
      status: aStatus({
        status: 'Available',
        timestamp: '2026-11-26T10:00:00.000Z',
        receivedAt: '2026-11-26T10:00:00.000Z',
      }),
      current: 'Available',
      events: ['connector.status_recorded'],
    },
    {
      name: 'without a station timestamp, receivedAt is the status time',
      stored: aConnector({ status: 'Available', statusAt: new Date('2026-11-26T09:00:00Z') }),
      status: aStatus({
        status: 'Faulted',
        errorCode: 'GroundFailure',
        timestamp: null,
        receivedAt: '2026-11-26T10:00:00.000Z',
      }),
      current: 'Faulted',
      events: ['connector.status_recorded', 'connector.status_changed'],
    },
  ])('$name', ({ stored, status, current, events }) => {
    const state = aBatchState({
      stations: [aStation({ registrationStatusAt: new Date(0) })],
      connectors: [stored],
    })
    const changes = apply(state, [status])
    expect(changes.statusReports).toHaveLength(1)
    const written = changes.connectors[0] ?? stored
    expect(written.status).toBe(current)
    expect(names(changes)).toEqual(events)
  })

  test('a clock beyond the threshold is reported when it crosses it, not again', () => {
    const skewed = aStatus({ timestamp: '2026-11-26T10:10:00.000Z', receivedAt: '2026-11-26T10:00:00.000Z' })
    const first = apply(aBatchState({ connectors: [aConnector()] }), [skewed])
    expect(names(first)).toContain('station.clock_skewed')
    expect(first.stations[0]?.clockSkewMs).toBe(600_000)
    const again = apply(
      aBatchState({
        stations: [aStation({ clockSkewMs: 600_000, clockSkewAt: new Date('2026-11-26T10:00:00Z') })],
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
        meterStop: 4000,
        stoppedAt: new Date('2026-11-26T11:00:00Z'),
        stopMessageId: 'x',
      }),
      messages: [start],
      events: ['session.started', 'session.completed'],
    },
    {
      name: 'a second start (replay) changes nothing',
      stored: aTransaction({
        id: 5,
        meterStart: 1000,
        startedAt: new Date('2026-11-26T10:00:00Z'),
        connectorId: 1,
      }),
      messages: [start],
      events: [],
    },
    {
      name: 'meterStop below meterStart completes and flags the register',
      stored: aTransaction({
        id: 5,
        meterStart: 9000,
        startedAt: new Date('2026-11-26T10:00:00Z'),
        connectorId: 1,
      }),
      messages: [stop],
      events: ['session.completed', 'meter.register_decreased'],
    },
  ])('$name', ({ stored, messages, events }) => {
    const changes = apply(aBatchState({ transactions: [stored] }), messages)
    expect(names(changes)).toEqual(events)
  })

  test('session.completed carries energy and duration', () => {
    const changes = apply(aBatchState({ transactions: [aTransaction({ id: 5 })] }), [start, stop])
    expect(changes.events[1]?.data).toMatchObject({
      energyWh: 3000,
      durationS: 3600,
      stopReason: 'EVDisconnected',
      connectorId: 1,
    })
    expect(changes.events[1]?.msgId).toBe(`session.completed:CP-1/${stop.messageId}`)
  })

  test('a StopTransaction with id -1 is an unmatched stop, its transactionData go to meter_values without id', () => {
    const changes = apply(aBatchState({}), [
      aStop({
        transactionId: -1,
        meterStop: 10,
        transactionData: [registerReading('2026-11-26T10:00:00.000Z', 10)],
      }),
    ])
    expect(changes.unmatchedStops).toMatchObject([{ transactionId: -1, meterStop: 10 }])
    expect(changes.meterSamples).toMatchObject([
      { transactionId: null, connectorId: 0, sourceAction: 'StopTransaction' },
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
      aBatchState({
        connectors: [
          aConnector({
            status: 'Charging',
            statusAt: new Date(1),
            meterRegisterWh: '5000',
            meterRegisterAt: new Date('2026-11-26T10:00:00Z'),
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
      meterRegisterWh: '5200',
      meterRegisterAt: new Date('2026-11-26T10:10:00Z'),
    })
    expect(changes.meterSamples).toHaveLength(3)
  })

  test('a MeterValues of a session publishes its register readings in Wh as meter.sampled; other values do not', () => {
    const changes = apply(aBatchState({}), [
      aMeterValues({
        transactionId: 1001,
        values: [
          registerReading('2026-11-26T10:05:00.000Z', 4.9, { unit: 'kWh' }),
          registerReading('2026-11-26T10:10:00.000Z', 5200),
          registerReading('2026-11-26T10:10:00.000Z', 230, { measurand: 'Voltage', unit: 'V' }),
          registerReading('2026-11-26T10:10:00.000Z', 1700, { phase: 'L1' }),
        ],
      }),
      aMeterValues({ values: [registerReading('2026-11-26T10:00:00.000Z', 1)] }), // no session
      aMeterValues({
        transactionId: 1001,
        values: [
          registerReading('2026-11-26T10:00:00.000Z', 9, { measurand: 'Power.Active.Import', unit: 'W' }),
        ],
      }),
    ])
    expect(names(changes)).toEqual(['meter.sampled'])
    expect(changes.events[0]?.data).toEqual({
      stationId: 'CP-1',
      connectorId: 1,
      transactionId: 1001,
      readings: [
        { at: '2026-11-26T10:05:00.000Z', registerWh: 4900 },
        { at: '2026-11-26T10:10:00.000Z', registerWh: 5200 },
      ],
      sourceMessageId: expect.any(String),
    })
    expect(changes.events[0]?.msgId).toMatch(/^meter\.sampled:CP-1\/.+/)
    expect(changes.meterSamples).toHaveLength(6)
  })

  test('a StopTransaction of a known session publishes its transactionData readings too, 1,000 per event', () => {
    const minutes = 1500 // a day of minute samples, buffered by the station and sent at the stop
    const transactionData = Array.from({ length: minutes }, (_, i) =>
      registerReading(new Date(Date.parse('2026-11-26T00:00:00Z') + i * 60_000).toISOString(), 1000 + i),
    )
    const changes = apply(
      aBatchState({
        transactions: [
          aTransaction({ id: 7, meterStart: 1000, startedAt: new Date('2026-11-26T00:00:00Z') }),
        ],
      }),
      [aStop({ transactionId: 7, meterStop: 2500, timestamp: '2026-11-27T01:00:00.000Z', transactionData })],
    )
    const sampled = changes.events.filter((e) => e.event.name === 'meter.sampled')
    expect(sampled.map((e) => (e.data as { readings: unknown[] }).readings.length)).toEqual([1000, 500])
    expect(sampled.map((e) => e.msgId)).toEqual([
      expect.stringMatching(/^meter\.sampled:CP-1\/[^#]+$/),
      expect.stringMatching(/^meter\.sampled:CP-1\/.+#1$/),
    ])
    expect(sampled[1]?.data).toMatchObject({
      transactionId: 7,
      readings: expect.arrayContaining([{ at: '2026-11-27T00:59:00.000Z', registerWh: 2499 }]),
    })
    expect(names(changes)).toContain('session.completed')
  })

  test('values of a connector without a row are stored; nothing is tracked', () => {
    const changes = apply(aBatchState({}), [
      aMeterValues({ values: [registerReading('2026-11-26T10:00:00.000Z', 1)] }),
    ])
    expect(changes.meterSamples).toHaveLength(1)
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
