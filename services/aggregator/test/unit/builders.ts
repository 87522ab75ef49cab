import type { StatusRecord } from '../../src/domain/connector-time.ts'
import type { SessionMeter } from '../../src/domain/energy-spread.ts'
import type { Instant } from '../../src/domain/instant.ts'

/** An instant from an ISO date-time; tests write times, not epoch numbers. */
export const t = (iso: string): Instant => {
  const ms = Date.parse(iso)
  if (!Number.isFinite(ms)) throw new Error(`bad test instant ${iso}`)
  return ms
}

export const HOUR = 3_600_000
export const MINUTE = 60_000

/** A completed session from 10:00Z to 11:00Z on 2026-11-26, 0 to 1000 Wh, no samples; override what matters. */
export function aSession(update: Partial<SessionMeter> = {}): SessionMeter {
  return {
    startedAt: t('2026-11-26T10:00:00Z'),
    meterStartWh: 0,
    stop: { stoppedAt: t('2026-11-26T11:00:00Z'), meterStopWh: 1000 },
    samples: [],
    ...update,
  }
}

export function aStatus(
  at: string,
  status: string,
  errorCode = 'NoError',
  vendorErrorCode?: string,
): StatusRecord {
  return vendorErrorCode === undefined
    ? { at: t(at), status, errorCode }
    : { at: t(at), status, errorCode, vendorErrorCode }
}

/** `{ '2026-11-26T10:00:00.000Z': wh }`: parts keyed by readable bucket start. */
export function byIso(parts: readonly { bucketStart: Instant; wh: number }[]): Record<string, number> {
  return Object.fromEntries(parts.map((p) => [new Date(p.bucketStart).toISOString(), p.wh]))
}
