import fc from 'fast-check'
import type { TObject } from 'typebox'
import { corpusJson, fuzzRuns } from '../../../../test/support/corpus.ts'
import {
  fromV16CpResponse,
  fromV16CsRequest,
  fromV16Request,
  fromV16Response,
  OcppConversionError,
  OcppUnsupportedOperationError,
  ocppServices,
  toV16CpRequest,
  toV16CsResponse,
  toV16Request,
  toV16Response,
} from '../../src/index.ts'
import { findViolation } from '../../src/xsd/validate.ts'
import { payloadOf } from '../support/arbitraries.ts'

type Schemas = { request: TObject; response: TObject }
type Part = 'request' | 'response'
type Convert = (operation: string, payload: unknown) => unknown

/**
 * The eight converter directions, each with the version it reads and the one it writes, and its inverse (the
 * station side's converters undo the central system's).
 */
const DIRECTIONS = {
  'CS request 1.5 -> 1.6 (gateway, inbound)': {
    role: 'centralSystem',
    part: 'request',
    from: '1.5',
    to: '1.6',
    convert: toV16Request as Convert,
    back: fromV16CsRequest as Convert,
  },
  'CS response 1.6 -> 1.5 (gateway, our answer)': {
    role: 'centralSystem',
    part: 'response',
    from: '1.6',
    to: '1.5',
    convert: fromV16Response as Convert,
    back: toV16CsResponse as Convert,
  },
  'CP request 1.6 -> 1.5 (a command to a 1.5 station)': {
    role: 'chargePoint',
    part: 'request',
    from: '1.6',
    to: '1.5',
    convert: fromV16Request as Convert,
    back: toV16CpRequest as Convert,
  },
  'CP response 1.5 -> 1.6 (a 1.5 station answers a command)': {
    role: 'chargePoint',
    part: 'response',
    from: '1.5',
    to: '1.6',
    convert: toV16Response as Convert,
    back: fromV16CpResponse as Convert,
  },
  'CS request 1.6 -> 1.5 (simulator, a 1.5 station)': {
    role: 'centralSystem',
    part: 'request',
    from: '1.6',
    to: '1.5',
    convert: fromV16CsRequest as Convert,
    back: toV16Request as Convert,
  },
  'CS response 1.5 -> 1.6 (simulator reads a 1.5 answer)': {
    role: 'centralSystem',
    part: 'response',
    from: '1.5',
    to: '1.6',
    convert: toV16CsResponse as Convert,
    back: fromV16Response as Convert,
  },
  'CP request 1.5 -> 1.6 (simulator reads a 1.5 command)': {
    role: 'chargePoint',
    part: 'request',
    from: '1.5',
    to: '1.6',
    convert: toV16CpRequest as Convert,
    back: fromV16Request as Convert,
  },
  'CP response 1.6 -> 1.5 (simulator answers as 1.5)': {
    role: 'chargePoint',
    part: 'response',
    from: '1.6',
    to: '1.5',
    convert: fromV16CpResponse as Convert,
    back: toV16Response as Convert,
  },
} as const

/**
 * Where the versions say the same thing, converting there and back gives the original. Where they do not
 * (1.5 Occupied is five 1.6 states, 1.6 has Pending, phases and SoC, 1.5 groups stop values differently...), the
 * first trip settles on what both can say and a second trip changes nothing more.
 */
const LOSSY: Readonly<Record<string, readonly string[]>> = {
  'CS request 1.5 -> 1.6 (gateway, inbound)': ['StatusNotification', 'StopTransaction'],
  'CS response 1.6 -> 1.5 (gateway, our answer)': ['BootNotification'],
  'CP request 1.6 -> 1.5 (a command to a 1.5 station)': ['SendLocalList'],
  'CP response 1.5 -> 1.6 (a 1.5 station answers a command)': ['SendLocalList', 'UnlockConnector'],
  'CS request 1.6 -> 1.5 (simulator, a 1.5 station)': [
    'DiagnosticsStatusNotification',
    'FirmwareStatusNotification',
    'MeterValues',
    'StatusNotification',
    'StopTransaction',
  ],
  'CS response 1.5 -> 1.6 (simulator reads a 1.5 answer)': [],
  'CP request 1.5 -> 1.6 (simulator reads a 1.5 command)': ['SendLocalList'],
  'CP response 1.6 -> 1.5 (simulator answers as 1.5)': ['ChangeConfiguration', 'UnlockConnector'],
}

type Direction = (typeof DIRECTIONS)[keyof typeof DIRECTIONS]

function schemasOf(d: Direction, version: '1.5' | '1.6', operation: string): Schemas | undefined {
  return (ocppServices[version][d.role].operations as Record<string, Schemas>)[operation]
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/

/** Every string in a converted payload is well-formed UTF-16 (a cut in a surrogate pair is not text). */
function expectWellFormed(value: unknown): void {
  const bad = JSON.stringify(value, (_k, v) =>
    typeof v === 'string' && LONE_SURROGATE.test(v) ? '<bad>' : v,
  )
  expect(bad).not.toContain('"<bad>"')
}

/**
 * Totality: a valid payload converts to a payload the target schema accepts, or (a command only) is refused with
 * `OcppUnsupportedOperationError`/`OcppConversionError` naming why. Messages from stations must always convert.
 */
function convertOrRefuse(name: keyof typeof DIRECTIONS, operation: string, payload: unknown): unknown {
  const d = DIRECTIONS[name]
  const target = schemasOf(d, d.to, operation)
  let out: unknown
  try {
    out = d.convert(operation, payload)
  } catch (err) {
    // A 1.5 DataTransfer's identifiers are unbounded; 1.6 caps vendorId at 255 and messageId at 50. Cutting an
    // identifier could make it match another, so such a message is refused with the field named (Sender fault).
    const mayRefuse =
      name !== 'CS request 1.5 -> 1.6 (gateway, inbound)' ||
      (operation === 'DataTransfer' && err instanceof OcppConversionError)
    if (mayRefuse && (err instanceof OcppUnsupportedOperationError || err instanceof OcppConversionError)) {
      expect(err.message.length).toBeGreaterThan(30)
      return undefined
    }
    throw err
  }
  expect(target).toBeDefined()
  expect(findViolation((target as Schemas)[d.part as Part], out, operation)).toBeUndefined()
  expectWellFormed(out)
  return out
}

function roundTrip(name: keyof typeof DIRECTIONS, operation: string, payload: unknown): void {
  const d = DIRECTIONS[name]
  const there = convertOrRefuse(name, operation, payload)
  if (there === undefined) return
  const back = d.back(operation, there)
  if (!LOSSY[name]?.includes(operation)) {
    expect(back).toEqual(payload)
    return
  }
  expect(d.back(operation, d.convert(operation, back))).toEqual(back)
}

const RUNS = fuzzRuns(40)

const cases = Object.keys(DIRECTIONS).flatMap((name) => {
  const d = DIRECTIONS[name as keyof typeof DIRECTIONS]
  return (
    Object.entries(ocppServices[d.from][d.role].operations as Record<string, Schemas>)
      // Each converter's domain is what its type admits: operations of both versions, and for commands to 1.5
      // stations every 1.6 operation (the ones 1.5 lacks are refused).
      .filter(([operation]) => schemasOf(d, d.to, operation) !== undefined || d.convert === fromV16Request)
      .map(
        ([operation, schemas]) =>
          [name as keyof typeof DIRECTIONS, operation, schemas[d.part as Part]] as const,
      )
  )
})

describe('1.5 <-> 1.6 converters: total, schema-valid, and a round trip where the versions agree', () => {
  test.each(cases)('%s: %s', (name, operation, schema) => {
    fc.assert(
      fc.property(payloadOf(schema), (payload) => roundTrip(name, operation, payload)),
      RUNS,
    )
  })
})

describe('converter corpus (counterexamples fast-check found, replayed)', () => {
  test.each(
    corpusJson<{
      direction: keyof typeof DIRECTIONS
      operation: string
      payload: unknown
      converted?: unknown
    }>('ocpp-converters'),
  )('%s', (_name, c) => {
    roundTrip(c.direction, c.operation, c.payload)
    if (c.converted !== undefined)
      expect(DIRECTIONS[c.direction].convert(c.operation, c.payload)).toEqual(c.converted)
  })
})
