import { readFileSync } from 'node:fs'
import { AppError, errorCodeDocGaps } from '@chargebus/errors'
import * as events from '../../src/index.ts'
import { EventsErrorCodes } from '../../src/index.ts'

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8')
const source = readFileSync(new URL('../../src/errors.ts', import.meta.url), 'utf8')

describe('error codes', () => {
  test('the README documents every code, and only codes that exist', () => {
    expect(errorCodeDocGaps(EventsErrorCodes, readme, 'EVENTS_ERR_')).toEqual({ missing: [], unknown: [] })
  })

  test('every code thrown in errors.ts is in the map', () => {
    const thrown = [...source.matchAll(/super\(\s*'(EVENTS_ERR_[A-Z_]+)'/g)].map((m) => m[1])
    expect(thrown.length).toBeGreaterThan(0)
    for (const code of thrown) expect(Object.keys(EventsErrorCodes)).toContain(code)
  })

  test('every exported error class is an AppError', () => {
    const classes = Object.values(events as Record<string, unknown>).filter(
      (v): v is typeof Error => typeof v === 'function' && v.prototype instanceof Error,
    )
    expect(classes.length).toBe(4)
    for (const cls of classes) expect(cls.prototype).toBeInstanceOf(AppError)
  })
})
