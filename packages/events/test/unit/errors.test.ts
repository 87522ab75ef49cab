import { readFileSync } from 'node:fs'
import { AppError } from '@chargebus/platform'
import * as events from '../../src/index.ts'
import { EventsErrorCodes } from '../../src/index.ts'

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8')
const source = readFileSync(new URL('../../src/errors.ts', import.meta.url), 'utf8')

describe('error codes', () => {
  test.each(Object.keys(EventsErrorCodes))('%s is documented in the README', (code) => {
    expect(readme).toMatch(new RegExp(`\\|\\s*\`${code}\`\\s*\\|`))
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
    expect(classes.length).toBe(3)
    for (const cls of classes) expect(cls.prototype).toBeInstanceOf(AppError)
  })
})
