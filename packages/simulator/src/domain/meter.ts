import type { v16 } from '@chargebus/ocpp'
import type { Sampleable } from './configuration.ts'

/** The electrical side of a session: what the EV draws and how full its battery is. */
export interface Charge {
  /** Power the EV draws at low state of charge (W). */
  readonly maxPowerW: number
  readonly phases: 1 | 3
  readonly capacityWh: number
  /** Energy delivered so far in this session (Wh, fractional; the register shows whole Wh). */
  readonly deliveredWh: number
  readonly startSocPct: number
}

export const NOMINAL_VOLTAGE = 230

/** State of charge (%) after what was delivered, at most 100. */
export function socOf(c: Charge): number {
  return Math.min(100, c.startSocPct + (c.deliveredWh / c.capacityWh) * 100)
}

/** Power drawn now: full power up to 80 % state of charge, then tapering linearly to 5 % of it at 100 %. */
export function powerOf(c: Charge): number {
  const soc = socOf(c)
  if (soc >= 100) return 0
  if (soc <= 80) return c.maxPowerW
  return c.maxPowerW * Math.max(0.05, (100 - soc) / 20)
}

/** The charge after `seconds` at the current power (one step; callers step once per sample interval). */
export function chargeFor(c: Charge, seconds: number): Charge {
  const room = (c.capacityWh * (100 - socOf(c))) / 100
  const wh = Math.min(room, (powerOf(c) * seconds) / 3600)
  return { ...c, deliveredWh: c.deliveredWh + wh }
}

/**
 * The sampled values of one meter reading, in the order of `measurands`. The register is the station's lifetime
 * import (whole Wh, never decreasing); `voltage` is the line voltage measured now.
 */
export function sampledValues(opts: {
  registerWh: number
  charge: Charge | undefined
  measurands: readonly Sampleable[]
  context: v16.cs.SampledValue['context']
  voltage: number
}): v16.cs.SampledValue[] {
  const { charge, context, voltage } = opts
  const power = charge ? powerOf(charge) : 0
  const out: v16.cs.SampledValue[] = []
  for (const m of opts.measurands) {
    const base = { context, format: 'Raw', measurand: m, location: 'Outlet' } as const
    switch (m) {
      case 'Energy.Active.Import.Register':
        out.push({ value: String(Math.floor(opts.registerWh)), ...base, unit: 'Wh' })
        break
      case 'Power.Active.Import':
        out.push({ value: power.toFixed(0), ...base, unit: 'W' })
        break
      case 'Current.Import':
        out.push({ value: (power / (voltage * (charge?.phases ?? 1))).toFixed(1), ...base, unit: 'A' })
        break
      case 'Voltage':
        out.push({ value: voltage.toFixed(1), ...base, unit: 'V' })
        break
      case 'SoC':
        // the EV reports its state of charge; there is none without a session
        if (charge) out.push({ value: socOf(charge).toFixed(0), ...base, location: 'EV', unit: 'Percent' })
        break
    }
  }
  return out
}
