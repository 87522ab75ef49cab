import { traceOf } from '../../src/index.ts'

const ID = '4bf92f3577b34da6a3ce929d0e0e4736'

test.each<[string, Record<string, string[]>, ReturnType<typeof traceOf>]>([
  ['sampled', { traceparent: [`00-${ID}-00f067aa0ba902b7-01`] }, { traceId: ID, sampled: true }],
  ['not sampled', { traceparent: [`00-${ID}-00f067aa0ba902b7-00`] }, { traceId: ID, sampled: false }],
  [
    'other flags with the sampled bit',
    { traceparent: [`00-${ID}-00f067aa0ba902b7-03`] },
    { traceId: ID, sampled: true },
  ],
  ['no header (published without tracing)', {}, undefined],
  ['all-zero trace id (invalid)', { traceparent: [`00-${'0'.repeat(32)}-00f067aa0ba902b7-01`] }, undefined],
  ['upper case (invalid)', { traceparent: [`00-${ID.toUpperCase()}-00f067aa0ba902b7-01`] }, undefined],
  ['truncated', { traceparent: [`00-${ID}-01`] }, undefined],
])('%s', (_name, headers, expected) => {
  expect(traceOf(headers)).toEqual(expected)
})
