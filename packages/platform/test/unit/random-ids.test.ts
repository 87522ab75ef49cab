import { isValidSpanId, isValidTraceId } from '@opentelemetry/api'
import { RandomIds } from '../../src/random-ids.ts'

describe('RandomIds', () => {
  test('gives valid W3C trace and span ids, none repeated, across several pool refills', () => {
    const ids = new RandomIds()
    const seen = new Set<string>()
    // 4096 random bytes per pool are 170 pairs of ids: this crosses about a dozen refills.
    for (let i = 0; i < 2000; i++) {
      const traceId = ids.traceId()
      const spanId = ids.spanId()
      expect(isValidTraceId(traceId)).toBe(true)
      expect(isValidSpanId(spanId)).toBe(true)
      seen.add(traceId).add(spanId)
    }
    expect(seen.size).toBe(4000)
  })

  test('two generators do not share a sequence', () => {
    expect(new RandomIds().traceId()).not.toBe(new RandomIds().traceId())
  })

  test('uses every hex digit (ids are not drawn from a narrow range)', () => {
    const ids = new RandomIds()
    const digits = new Set<string>()
    for (let i = 0; i < 100; i++) for (const d of ids.traceId()) digits.add(d)
    expect([...digits].sort().join('')).toBe('0123456789abcdef')
  })
})
