import { recordOf, rowOf, type UnnestColumn } from '../../src/data-access/unnest.ts'

/* Rows and the domain's records map by name: a field is stored in the column of the same name in snake_case. */

interface Reading {
  stationId: string
  clockSkewMs: number | null
  heartbeatIntervalS: number | null
  seenAt: Date
}

const COLUMNS: readonly UnnestColumn<Reading>[] = [
  { name: 'station_id', type: 'text' },
  { name: 'clock_skew_ms', type: 'bigint' },
  { name: 'heartbeat_interval_s', type: 'integer' },
  { name: 'seen_at', type: 'timestamptz' },
]
const seenAt = new Date('2026-11-26T10:00:00Z')

test('recordOf reads the listed columns under their field names, bigint text as a number', () => {
  const row = {
    station_id: 'CP-1',
    clock_skew_ms: '-600000',
    heartbeat_interval_s: 60,
    seen_at: seenAt,
    extra: 1,
  }
  expect(recordOf(COLUMNS, row)).toEqual({
    stationId: 'CP-1',
    clockSkewMs: -600_000,
    heartbeatIntervalS: 60,
    seenAt,
  })
  expect(recordOf(COLUMNS, { ...row, clock_skew_ms: null }).clockSkewMs).toBeNull()
})

test('rowOf writes each field under its column name', () => {
  const record = { stationId: 'CP-1', clockSkewMs: 5, heartbeatIntervalS: null, seenAt }
  expect(rowOf(COLUMNS, record)).toEqual({
    station_id: 'CP-1',
    clock_skew_ms: 5,
    heartbeat_interval_s: null,
    seen_at: seenAt,
  })
})
