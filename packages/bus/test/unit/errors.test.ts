import { readFileSync } from 'node:fs'
import { AppError, errorCodeDocGaps } from '@chargebus/errors'
import * as bus from '../../src/index.ts'
import { BusErrorCodes } from '../../src/index.ts'

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8')
const source = readFileSync(new URL('../../src/errors.ts', import.meta.url), 'utf8')

describe('error codes', () => {
  test('the README documents every code, and only codes that exist', () => {
    expect(errorCodeDocGaps(BusErrorCodes, readme, 'BUS_ERR_')).toEqual({ missing: [], unknown: [] })
  })

  test('every code used in errors.ts is in the map, and every mapped code is used', () => {
    const used = new Set([...source.matchAll(/super\(\s*'(BUS_ERR_[A-Z_]+)'/g)].map((m) => m[1]))
    expect([...used].sort()).toEqual(Object.keys(BusErrorCodes).sort())
  })

  test("isBusError: this package's codes only", () => {
    expect(bus.isBusError(new bus.BusClosedError())).toBe(true)
    expect(bus.isBusError(new AppError('DB_ERR_UNAVAILABLE', 'down', { status: 503 }))).toBe(false)
    expect(bus.isBusError(new Error('BUS_ERR_CLOSED'))).toBe(false)
  })

  test('every exported error class is an AppError', () => {
    const classes = Object.values(bus as Record<string, unknown>).filter(
      (v): v is typeof Error => typeof v === 'function' && v.prototype instanceof Error,
    )
    expect(classes).toHaveLength(Object.keys(BusErrorCodes).length)
    for (const cls of classes) expect(cls.prototype).toBeInstanceOf(AppError)
  })
})
