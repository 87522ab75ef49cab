import type { v16 } from '@chargebus/ocpp'
import type { TypedStationMessageOf } from '../typed-station-message.ts'
import type { TransactionState } from './batch-state.ts'

/** One sampled value with OCPP's defaults applied and its value normalised to a base unit. */
export interface MeterSample {
  readonly stationId: string
  readonly connectorId: number
  readonly transactionId: number | null
  /** The meterValue timestamp as the station sent it. */
  readonly sampledAt: string
  readonly measurand: string
  readonly phase: string | null
  readonly location: string
  readonly context: string
  readonly format: string
  readonly unit: string
  /** The value exactly as sent. */
  readonly valueRaw: string
  /** Decimal text in `baseUnit`, or null when the value is not a number. */
  readonly value: string | null
  readonly baseUnit: string | null
  readonly receivedAt: string
  /** `FtpMeterLog`: a row of a CSV meter log uploaded over FTP (see meter-log-samples.ts). */
  readonly sourceAction: 'MeterValues' | 'StopTransaction' | 'FtpMeterLog'
  readonly sourceMessageId: string
  /** Position in the message, meterValue by meterValue (part of the idempotency key). */
  readonly sampleIndex: number
}

const DEFAULT_MEASURAND = 'Energy.Active.Import.Register'

/** The unit a measurand is reported in when the station omits `unit` (OCPP says Wh, which only fits energy). */
export function defaultUnitOf(measurand: string): string {
  if (measurand.startsWith('Energy.Reactive')) return 'varh'
  if (measurand.startsWith('Energy.')) return 'Wh'
  if (measurand.startsWith('Power.Reactive')) return 'var'
  if (measurand === 'Power.Factor') return '1'
  if (measurand.startsWith('Power.')) return 'W'
  if (measurand.startsWith('Current.')) return 'A'
  if (measurand === 'Voltage') return 'V'
  if (measurand === 'Temperature') return 'Celsius'
  if (measurand === 'SoC') return 'Percent'
  if (measurand === 'Frequency') return 'Hz'
  if (measurand === 'RPM') return 'rpm'
  return 'Wh'
}

/** unit -> [base unit, factor] (temperatures need an offset: see `normalise`). */
const SCALE: Readonly<Record<string, readonly [string, number]>> = {
  Wh: ['Wh', 1],
  kWh: ['Wh', 1000],
  varh: ['varh', 1],
  kvarh: ['varh', 1000],
  W: ['W', 1],
  kW: ['W', 1000],
  VA: ['VA', 1],
  kVA: ['VA', 1000],
  var: ['var', 1],
  kvar: ['var', 1000],
  A: ['A', 1],
  V: ['V', 1],
  Percent: ['Percent', 1],
  Hz: ['Hz', 1],
  rpm: ['rpm', 1],
  Celsius: ['Celsius', 1],
}

const DECIMAL = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/

/**
 * A value normalised to its base unit: Wh, varh, W, VA, var, A, V, Celsius, Percent, Hz, rpm. Returns
 * `{ value: null }` for anything that is not a plain number (signed data, empty text).
 *
 * ### Examples
 * ```ts
 * normalise('1.5', 'kWh') // { value: '1500', baseUnit: 'Wh' }
 * normalise('212', 'Fahrenheit') // { value: '100', baseUnit: 'Celsius' }
 * ```
 */
export function normalise(raw: string, unit: string): { value: string | null; baseUnit: string | null } {
  const text = raw.trim()
  if (!DECIMAL.test(text)) return { value: null, baseUnit: SCALE[unit]?.[0] ?? (unit || null) }
  const n = Number(text)
  if (!Number.isFinite(n)) return { value: null, baseUnit: null }
  if (unit === 'Fahrenheit') return { value: String(round(((n - 32) * 5) / 9)), baseUnit: 'Celsius' }
  if (unit === 'K') return { value: String(round(n - 273.15)), baseUnit: 'Celsius' }
  const scale = SCALE[unit]
  if (scale === undefined) return { value: String(n), baseUnit: unit || null }
  return { value: scale[1] === 1 ? String(n) : String(round(n * scale[1])), baseUnit: scale[0] }
}

/** Rounds away binary noise (1.1 kWh is 1100 Wh, not 1100.0000000000002). */
function round(n: number): number {
  return Number(n.toPrecision(15))
}

/**
 * Flattens meterValue[] into one sample per sampled value, indexed in message order (the index is part of the
 * idempotency key).
 *
 * ### Examples
 * ```ts
 * const [s] = meterSamples([{ timestamp, sampledValue: [{ value: '1.5', unit: 'kWh' }] }], ctx)
 * s.value // '1500'
 * s.measurand // 'Energy.Active.Import.Register'
 * ```
 */
export function meterSamples(
  meterValues: readonly v16.cs.MeterValue[],
  ctx: {
    stationId: string
    connectorId: number
    transactionId: number | null
    receivedAt: string
    sourceAction: 'MeterValues' | 'StopTransaction'
    messageId: string
  },
): MeterSample[] {
  const samples: MeterSample[] = []
  let index = 0
  for (const mv of meterValues) {
    for (const sv of mv.sampledValue) {
      const measurand = sv.measurand ?? DEFAULT_MEASURAND
      const unit = sv.unit ?? defaultUnitOf(measurand)
      const format = sv.format ?? 'Raw'
      const { value, baseUnit } =
        format === 'SignedData' ? { value: null, baseUnit: null } : normalise(sv.value, unit)
      samples.push({
        stationId: ctx.stationId,
        connectorId: ctx.connectorId,
        transactionId: ctx.transactionId,
        sampledAt: mv.timestamp,
        measurand,
        phase: sv.phase ?? null,
        location: sv.location ?? 'Outlet',
        context: sv.context ?? 'Sample.Periodic',
        format,
        unit,
        valueRaw: sv.value,
        value,
        baseUnit,
        receivedAt: ctx.receivedAt,
        sourceAction: ctx.sourceAction,
        sourceMessageId: ctx.messageId,
        sampleIndex: index++,
      })
    }
  }
  return samples
}

/** The samples of a MeterValues message; a transactionId <= 0 names no transaction. */
export function samplesOfMeterValues(m: TypedStationMessageOf<'MeterValues'>): MeterSample[] {
  const tid = m.request.transactionId
  return meterSamples(m.request.meterValue ?? [], {
    stationId: m.stationId,
    connectorId: m.request.connectorId,
    transactionId: tid !== undefined && tid > 0 ? tid : null,
    receivedAt: m.receivedAt,
    sourceAction: 'MeterValues',
    messageId: m.messageId,
  })
}

/**
 * The samples of a StopTransaction's transactionData, on its transaction's connector; without a transaction
 * (an unmatched stop) on connector 0 and with no transaction id.
 */
export function samplesOfStop(
  m: TypedStationMessageOf<'StopTransaction'>,
  t: TransactionState | undefined,
): MeterSample[] {
  return meterSamples(m.request.transactionData ?? [], {
    stationId: m.stationId,
    connectorId: t?.connectorId ?? 0,
    transactionId: t === undefined ? null : t.id,
    receivedAt: m.receivedAt,
    sourceAction: 'StopTransaction',
    messageId: m.messageId,
  })
}

/** Whether a sample is a reading of the connector's main energy register (the one checked for going backwards). */
export function isImportRegister(sample: MeterSample): boolean {
  return (
    sample.measurand === DEFAULT_MEASURAND &&
    sample.phase === null &&
    sample.location === 'Outlet' &&
    sample.baseUnit === 'Wh' &&
    sample.value !== null
  )
}
