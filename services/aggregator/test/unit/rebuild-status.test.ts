import { AppError } from '@chargebus/errors'
import { testClock } from '../../../../test/support/clock.ts'
import {
  failureCodeOf,
  outcomeAt,
  phaseProgress,
  REBUILD_HEARTBEAT_MS,
  REBUILD_STALE_AFTER_MS,
  REBUILD_SWAP_STALE_AFTER_MS,
  type RecordedRebuild,
} from '../../src/domain/rebuild-status.ts'

const T = Date.parse('2026-12-07T03:30:00Z')

function aRebuild(over: Partial<RecordedRebuild> = {}): RecordedRebuild {
  return {
    phase: null,
    seq: 0,
    endSeq: 0,
    events: 0,
    stationsWritten: null,
    stationsTotal: null,
    startedAt: T,
    updatedAt: T,
    finishedAt: null,
    outcome: 'running',
    errorCode: null,
    ...over,
  }
}

describe('outcomeAt: a running rebuild whose heartbeat stopped is abandoned', () => {
  test('on a moved clock: running up to the staleness bound, abandoned after it', () => {
    const clock = testClock(new Date(T))
    const row = aRebuild({ updatedAt: T })
    expect(outcomeAt(row, clock().getTime())).toBe('running')
    clock.advance(REBUILD_STALE_AFTER_MS)
    expect(outcomeAt(row, clock().getTime())).toBe('running')
    clock.advance(1)
    expect(outcomeAt(row, clock().getTime())).toBe('abandoned')
    // A fresh heartbeat makes it running again.
    expect(outcomeAt({ ...row, updatedAt: clock().getTime() - 1000 }, clock().getTime())).toBe('running')
  })

  test.each([
    ['succeeded', 'succeeded'],
    ['failed', 'failed'],
  ] as const)('a %s rebuild stays %s however old', (outcome, expected) => {
    expect(outcomeAt(aRebuild({ outcome, finishedAt: T }), T + 365 * 86_400_000)).toBe(expected)
  })

  test('in the swap (its transaction holds the only connection: no heartbeat) the allowed silence is longer', () => {
    const inSwap = aRebuild({ phase: 'swap', updatedAt: T })
    expect(outcomeAt(inSwap, T + REBUILD_STALE_AFTER_MS + 1)).toBe('running')
    expect(outcomeAt(inSwap, T + REBUILD_SWAP_STALE_AFTER_MS)).toBe('running')
    expect(outcomeAt(inSwap, T + REBUILD_SWAP_STALE_AFTER_MS + 1)).toBe('abandoned')
  })

  test("a heartbeat ahead of the reader's clock (the rebuild's machine is ahead) is fresh", () => {
    expect(outcomeAt(aRebuild({ updatedAt: T + 30_000 }), T)).toBe('running')
  })

  test('the staleness bound is many heartbeats', () => {
    expect(REBUILD_STALE_AFTER_MS).toBeGreaterThanOrEqual(30 * REBUILD_HEARTBEAT_MS)
  })
})

describe('phaseProgress', () => {
  test.each([
    ['before the first report', aRebuild(), undefined],
    ['archive: its size is unknown', aRebuild({ phase: 'archive', events: 500 }), undefined],
    ['stream: sequence read of the last', aRebuild({ phase: 'stream', seq: 50, endSeq: 200 }), 0.25],
    ['stream: an empty stream is done', aRebuild({ phase: 'stream', seq: 0, endSeq: 0 }), 1],
    ['stream: past the end is 1', aRebuild({ phase: 'stream', seq: 210, endSeq: 200 }), 1],
    ['write: before its first chunk', aRebuild({ phase: 'write' }), undefined],
    [
      'write: stations written of all',
      aRebuild({ phase: 'write', stationsWritten: 30, stationsTotal: 120 }),
      0.25,
    ],
    ['swap: one transaction, unmeasured', aRebuild({ phase: 'swap', seq: 200, endSeq: 200 }), undefined],
  ])('%s', (_, row, expected) => {
    expect(phaseProgress(row)).toBe(expected)
  })
})

describe('failureCodeOf: a code, never a message', () => {
  class Refused extends AppError {
    constructor() {
      super('CLI_ERR_HISTORY_GAP', 'postgres://user:secret@host/db is in this message')
    }
  }
  test.each([
    ['an AppError', new Refused(), 'CLI_ERR_HISTORY_GAP'],
    ['a SQLSTATE', Object.assign(new Error('canceling statement'), { code: '57014' }), '57014'],
    ['a Node system error', Object.assign(new Error('connect'), { code: 'ECONNREFUSED' }), 'ECONNREFUSED'],
    ['a plain Error', new Error('boom'), 'UNKNOWN'],
    [
      'a code that is not a code',
      Object.assign(new Error('x'), { code: 'not a code; drop table' }),
      'UNKNOWN',
    ],
    ['not an error', 'a string', 'UNKNOWN'],
    ['null', null, 'UNKNOWN'],
  ])('%s', (_, err, expected) => {
    expect(failureCodeOf(err)).toBe(expected)
  })
})
