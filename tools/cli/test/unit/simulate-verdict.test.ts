import type { FleetSummary } from '@chargebus/simulator'
import { createStallWatch, verdict } from '../../src/simulate/verdict.ts'

function summary(over: {
  profile?: 'steady' | 'burst'
  completed?: number
  refused?: Record<string, number>
  failed?: Record<string, number>
}): FleetSummary {
  const failed = over.failed ?? {}
  return {
    profile: over.profile ?? 'burst',
    failed: { total: Object.values(failed).reduce((a, b) => a + b, 0), byReason: failed },
    sessions: { completed: over.completed ?? 0, refused: over.refused ?? {}, energyWh: 0 },
  } as unknown as FleetSummary
}

const input = { idTag: 'SIM-TAG', registeredTag: false, expectSessions: undefined }

test('a burst whose sessions completed: no line, exit 0', () => {
  expect(verdict(summary({ completed: 4 }), input)).toEqual({ lines: [], exitCode: 0 })
})

test('refused sessions with an unregistered tag: the count by status and the command that fixes it, exit 1', () => {
  const v = verdict(summary({ refused: { Invalid: 2000 } }), input)
  expect(v.exitCode).toBe(1)
  expect(v.lines).toEqual([
    'simulate: REFUSED 2000 sessions (Invalid 2000): the gateway does not accept id tag SIM-TAG; fix: pnpm chargebus id-tags add SIM-TAG (or run simulate without --no-register-tag in development)',
    'simulate: 0 sessions completed, expected at least 1',
  ])
})

test('refused although registered: points at the record, not at registering it again', () => {
  const v = verdict(summary({ completed: 1, refused: { Blocked: 1 } }), { ...input, registeredTag: true })
  expect(v.lines[0]).toContain(
    'although simulate registered it: check its record with pnpm chargebus id-tags list',
  )
})

test('a steady run expects no session unless asked; --expect-sessions raises the bar', () => {
  expect(verdict(summary({ profile: 'steady' }), input).exitCode).toBe(0)
  expect(verdict(summary({ profile: 'steady', completed: 2 }), { ...input, expectSessions: 3 })).toEqual({
    lines: ['simulate: 2 sessions completed, expected at least 3'],
    exitCode: 1,
  })
})

test('failed calls: the three commonest reasons, exit 1; a stall is said first', () => {
  const v = verdict(
    summary({ completed: 1, failed: { 'A: timeout': 1, 'B: ECONNREFUSED': 5, 'C: http 503': 2, 'D: x': 1 } }),
    {
      ...input,
      stalled: 'the gateway answered no call for 15 s',
    },
  )
  expect(v.lines).toEqual([
    'simulate: stopped early: the gateway answered no call for 15 s',
    'simulate: 9 calls failed (B: ECONNREFUSED x5; C: http 503 x2; A: timeout x1)',
  ])
})

test('the stall watch fires only after the window passes with failures and no answered call', () => {
  const stalled = createStallWatch(15)
  expect(stalled({ elapsedS: 1, calls: 10, failed: 0 })).toBe(false)
  expect(stalled({ elapsedS: 10, calls: 14, failed: 4 })).toBe(false)
  expect(stalled({ elapsedS: 15.9, calls: 20, failed: 10 })).toBe(false)
  expect(stalled({ elapsedS: 16, calls: 21, failed: 11 })).toBe(true)
})

test('a quiet fleet (no calls, no new failures) is not a stall', () => {
  const stalled = createStallWatch(15)
  expect(stalled({ elapsedS: 1, calls: 3, failed: 1 })).toBe(false)
  expect(stalled({ elapsedS: 2, calls: 5, failed: 1 })).toBe(false)
  expect(stalled({ elapsedS: 60, calls: 5, failed: 1 })).toBe(false)
})
