import { readFileSync } from 'node:fs'
import { errorCodeDocGaps } from '@chargebus/errors'
import {
  ArchiveErrorCodes,
  BadRestoreTarget,
  classifyGap,
  closeReason,
  closesBefore,
  decodeRecord,
  encodeRecord,
  historyGaps,
  type Manifest,
  manifestKey,
  objectKey,
  payloadOf,
  restoreTarget,
  subjectPrefixOf,
  unarchivedRatio,
} from '../../src/index.ts'

const limits = { maxMessages: 10, maxBytes: 1000, delayMs: 60_000 }
const HOUR = 3_600_000

describe('archive layout', () => {
  test('keys sort by sequence and name the UTC hour and subject group', () => {
    expect(objectKey('OCPP_IN', Date.parse('2026-12-06T08:00:00Z'), 'ocpp.in', 1, 250)).toBe(
      'archive/OCPP_IN/2026/12/06/08/ocpp.in/00000000000000000001-00000000000000000250.jsonl.gz',
    )
    expect(manifestKey('DOMAIN', 42)).toBe('archive/DOMAIN/manifests/00000000000000000042.json')
  })

  test.each([
    ['ocpp.in.1_6.CP-1.Heartbeat', 'ocpp.in'],
    ['session.CP-1.started', 'session'],
    ['cmd.CP-1.Reset.accepted', 'cmd'],
    ['dlq.OCPP_IN.ingest', 'dlq'],
    ['station.CP-1.online', 'station'],
    ['whatever.else', 'whatever'],
  ])('subject %s goes to group %s', (subject, prefix) => expect(subjectPrefixOf(subject)).toBe(prefix))
})

describe('batch rules', () => {
  const batch = { count: 5, bytes: 500, hour: 10 * HOUR, firstTime: 10 * HOUR + 1000 }
  test.each([
    [{ ...batch, count: 10 }, 0, false, 'messages'],
    [{ ...batch, bytes: 1000 }, 0, false, 'bytes'],
    [batch, batch.firstTime + 60_000, true, 'delay'],
    [batch, batch.firstTime + 59_999, true, undefined],
    [batch, batch.firstTime + 600_000, false, undefined],
    [{ ...batch, count: 0 }, batch.firstTime + 600_000, true, undefined],
  ])('%j at %d caught up %s closes: %s', (b, now, caughtUp, reason) => {
    expect(closeReason(b, limits, now, caughtUp)).toBe(reason)
  })

  test('a batch never spans an hour', () => {
    expect(closesBefore(batch, 10 * HOUR)).toBeUndefined()
    expect(closesBefore(batch, 11 * HOUR)).toBe('hour')
    expect(closesBefore(undefined, 11 * HOUR)).toBeUndefined()
  })

  test.each([
    [5, 5, 1, {}],
    [5, 9, 1, { skipped: [5, 8] }],
    [5, 9, 9, { lost: [5, 8] }],
    [5, 9, 7, { lost: [5, 6], skipped: [7, 8] }],
  ])('gap from %d to %d with the stream starting at %d', (expected, seq, first, gap) => {
    expect(classifyGap(expected, seq, first)).toEqual(gap)
  })
})

describe('records', () => {
  test('UTF-8 payloads stay text, others become base64, both come back byte-identical', () => {
    for (const payload of [Buffer.from('{"a":"é"}'), Buffer.from([0xff, 0x00, 0xfe])]) {
      const line = encodeRecord({
        seq: 7,
        subject: 'ocpp.in.1_6.CP.Heartbeat',
        time: new Date('2026-12-06T08:00:00Z'),
        headers: [['Nats-Msg-Id', ['x']]],
        payload,
      })
      const r = decodeRecord(line.trimEnd(), 'k')
      expect(payloadOf(r).equals(payload)).toBe(true)
      expect(r.headers).toEqual({ 'Nats-Msg-Id': ['x'] })
    }
  })
})

describe('restore target', () => {
  test('the same stream keeps subjects, another name gets restored subjects, another catalog stream is refused', () => {
    expect(restoreTarget('OCPP_IN', 'OCPP_IN').subjectOf('ocpp.in.x')).toBe('ocpp.in.x')
    expect(restoreTarget('OCPP_IN').subjectOf('ocpp.in.x')).toBe('restored.RESTORED_OCPP_IN.ocpp.in.x')
    expect(() => restoreTarget('OCPP_IN', 'DOMAIN')).toThrow(BadRestoreTarget)
    expect(() => restoreTarget('OCPP_IN', 'bad name')).toThrow(BadRestoreTarget)
  })
})

describe('unarchived ratio', () => {
  const base = {
    firstSeq: 1,
    lastSeq: 100,
    messages: 100,
    bytes: 100_000,
    maxBytes: 1_000_000,
    maxAgeMs: 1000,
    nowMs: 10_000,
  }
  test('the larger of the byte share and the age share', () => {
    expect(unarchivedRatio({ ...base, archivedSeq: 100 }).ratio).toBe(0)
    expect(unarchivedRatio({ ...base, archivedSeq: 50, oldestUnarchivedMs: 9_900 }).ratio).toBeCloseTo(0.1)
    expect(unarchivedRatio({ ...base, archivedSeq: 0, oldestUnarchivedMs: 9_400 }).ratio).toBeCloseTo(0.6)
  })
  test('messages gone unarchived: at least 1', () => {
    expect(unarchivedRatio({ ...base, firstSeq: 20, archivedSeq: 10 })).toMatchObject({
      losing: true,
      ratio: 1,
    })
  })
})

describe('history gaps (what neither the archive nor the stream holds)', () => {
  const T = Date.parse('2026-12-06T08:00:00Z')
  const manifest = (
    firstSeq: number,
    lastSeq: number,
    at: number,
    lost: [number, number][] = [],
  ): Manifest => ({
    version: 1,
    stream: 'DOMAIN',
    firstSeq,
    lastSeq,
    count: lastSeq - firstSeq + 1,
    firstTime: new Date(at).toISOString(),
    lastTime: new Date(at + HOUR).toISOString(),
    skipped: [],
    lost,
    objects: [],
    createdAt: new Date(at + 2 * HOUR).toISOString(),
  })

  test('an archive that reaches the stream: none', () => {
    expect(historyGaps([manifest(1, 9, T), manifest(10, 18, T + HOUR)], new Date(T), 19)).toEqual([])
  })

  test('messages that left the stream before the archiver got to them: the stretch up to the stream', () => {
    expect(historyGaps([manifest(1, 18, T)], new Date(T), 21)).toEqual([[19, 20]])
    expect(historyGaps([], new Date(T), 5)).toEqual([[1, 4]])
  })

  test('lost ranges from the first manifest that reaches --from on, clipped to below the stream', () => {
    const archive = [
      manifest(1, 9, T - 5 * HOUR, [[2, 3]]),
      manifest(10, 30, T, [
        [12, 12],
        [25, 28],
      ]),
    ]
    expect(historyGaps(archive, new Date(T), 27)).toEqual([
      [12, 12],
      [25, 26],
    ])
  })
})

describe('error codes', () => {
  test('the README documents every code', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8')
    expect(errorCodeDocGaps(ArchiveErrorCodes, readme, 'ARCHIVE_ERR_')).toEqual({ missing: [], unknown: [] })
  })
})
