import type * as cs15 from '../messages/v15/central-system.ts'
import type * as cs16 from '../messages/v16/central-system.ts'
import { withoutUndefined } from './convert.ts'

/** 1.5 units -> 1.6 units: 1.6 renamed `Amp` to `A` and `Volt` to `V`; the rest kept their names. */
export const UNIT_V15_TO_V16: Readonly<Record<cs15.UnitOfMeasure, cs16.UnitOfMeasure>> = {
  Wh: 'Wh',
  kWh: 'kWh',
  varh: 'varh',
  kvarh: 'kvarh',
  W: 'W',
  kW: 'kW',
  var: 'var',
  kvar: 'kvar',
  Amp: 'A',
  Volt: 'V',
  Celsius: 'Celsius',
}

/**
 * A 1.5 meter value (`timestamp` + repeated `value` elements whose attributes carry context, format, measurand,
 * location and unit) as a 1.6 meter value (`timestamp` + repeated `sampledValue` elements). 1.5 contexts,
 * measurands, locations and formats all exist in 1.6 under the same names; 1.5 has no phase.
 */
export function meterValueToV16(mv: cs15.MeterValue): cs16.MeterValue {
  return {
    timestamp: mv.timestamp,
    sampledValue: mv.value.map((v) =>
      withoutUndefined({
        value: v.value,
        context: v.context,
        format: v.format,
        measurand: v.measurand,
        location: v.location,
        unit: v.unit === undefined ? undefined : UNIT_V15_TO_V16[v.unit],
      }),
    ),
  }
}
