import { createHash } from 'node:crypto'
import type { EventData, FtpFileParsed } from '@chargebus/events'
import type { DomainEvent } from '../domain-event.ts'
import { type MeterSample, normalise } from './meter-sample.ts'
import { meterSampledEvents } from './meter-sampled.ts'

/*
 * Rows of CSV meter logs (`ftp.file.parsed`) as meter samples. A row has no station message behind it, and the
 * same reading may come again in a re-upload or in another file that overlaps (a rolling log), so its identity
 * is its CONTENT: `sourceMessageId` is a hash of what names one reading (station, connector, time, measurand,
 * phase, location), `sampleIndex` 0. The `meter_values` unique key then makes every repeat a no-op: the first
 * value stored for a reading stays.
 */

type ParsedPart = EventData<typeof FtpFileParsed>

/**
 * The samples of one `ftp.file.parsed` part, values normalised like OCPP's (`kWh` -> `Wh`).
 *
 * ### Examples
 * ```ts
 * const [s] = samplesOfMeterLog(part)
 * s.sourceAction // 'FtpMeterLog'
 * s.sourceMessageId // 'ftp:<32 hex digits>', the same for the same reading in any file
 * ```
 */
export function samplesOfMeterLog(part: ParsedPart): MeterSample[] {
  return part.rows.map((row) => {
    const sampledAt = new Date(row.sampledAt).toISOString()
    const { value, baseUnit } = normalise(row.value, row.unit)
    return {
      stationId: part.stationId,
      connectorId: row.connectorId,
      transactionId: row.transactionId,
      sampledAt,
      measurand: row.measurand,
      phase: row.phase,
      location: row.location,
      context: 'Sample.Periodic',
      format: 'Raw',
      unit: row.unit,
      valueRaw: row.value,
      value,
      baseUnit,
      receivedAt: part.receivedAt,
      sourceAction: 'FtpMeterLog',
      sourceMessageId: readingId(
        part.stationId,
        row.connectorId,
        sampledAt,
        row.measurand,
        row.phase,
        row.location,
      ),
      sampleIndex: 0,
    }
  })
}

/** `ftp:` and 128 bits of SHA-256 over the fields that name one reading. */
export function readingId(
  stationId: string,
  connectorId: number,
  sampledAt: string,
  measurand: string,
  phase: string | null,
  location: string,
): string {
  const key = JSON.stringify([stationId, connectorId, sampledAt, measurand, phase, location])
  return `ftp:${createHash('sha256').update(key).digest('hex').slice(0, 32)}`
}

/** The first of each reading (a batch of parts may repeat one): one row per unique key in one INSERT. */
export function dedupeSamples(samples: readonly MeterSample[]): MeterSample[] {
  const seen = new Set<string>()
  return samples.filter((s) => {
    const key = `${s.stationId}\n${s.sourceMessageId}`
    if (seen.has(key)) return false
    seen.add(key)
    return true
  })
}

/**
 * The `meter.sampled` events of samples that were NEWLY inserted, one group per session (station, connector,
 * transaction), in time order. Each row is new exactly once, so each reading is in exactly one event, and the
 * msg id (from the group's first reading, which no other event starts with) never collides.
 */
export function meterLogSampledEvents(inserted: readonly MeterSample[]): DomainEvent[] {
  const sessions = new Map<string, MeterSample[]>()
  for (const s of inserted) {
    if (s.transactionId === null) continue
    const key = `${s.stationId}\n${s.connectorId}\n${s.transactionId}`
    const group = sessions.get(key)
    if (group === undefined) sessions.set(key, [s])
    else group.push(s)
  }
  return [...sessions.values()].flatMap((group) =>
    meterSampledEvents([...group].sort((a, b) => a.sampledAt.localeCompare(b.sampledAt))),
  )
}
