import { headers, type MsgHdrs } from '@nats-io/transport-node'
import fc from 'fast-check'
import { parseHeaderBlock } from '../../src/header-block.ts'
import { BusHeaders, headersToRecord, ReplayHeaders } from '../../src/headers.ts'

/** nats.js' own parser of a header block (`MsgHdrsImpl.decode`, what `msg.headers` runs), the reference. */
const natsDecode = (headers().constructor as unknown as { decode(block: Uint8Array): MsgHdrs }).decode

type Reference = { refused: true } | { refused: false; record: Record<string, string[]>; keys: string[] }

function reference(bytes: Uint8Array): Reference {
  try {
    const parsed = natsDecode(bytes)
    return { refused: false, record: headersToRecord(parsed), keys: parsed.keys() }
  } catch {
    return { refused: true }
  }
}

/** The scan hands nats.js what nats.js refuses and `__proto__` keys; it reads every other block as nats.js does. */
function expectSameAsNats(bytes: Uint8Array): 'fast' | 'handed over' {
  const ours = parseHeaderBlock(new TextDecoder().decode(bytes))
  const ref = reference(bytes)
  if (ref.refused || ref.keys.includes('__proto__')) {
    expect(ours).toBeUndefined()
    return 'handed over'
  }
  // Entries, not toStrictEqual: it compares `constructor` properties, and a header may be called that.
  expect(ours && Object.getPrototypeOf(ours)).toBe(Object.prototype)
  expect(Object.entries(ours ?? {})).toEqual(Object.entries(ref.record))
  return 'fast'
}

const encoder = new TextEncoder()

const keyArb = fc.oneof(
  fc.constantFrom(
    BusHeaders.msgId,
    BusHeaders.event,
    BusHeaders.eventVersion,
    ReplayHeaders.originalMsgId,
    'traceparent',
    'chargebus-event', // another case: another key to nats.js (exact match)
    '__proto__',
    'constructor',
    '',
  ),
  fc.stringMatching(/^[A-Za-z0-9_.-]{1,12}$/),
  fc.string({
    unit: fc.constantFrom('a', 'B', '-', ' ', '\t', 'é', '\r', '\n', '~', '\x7f', '1'),
    maxLength: 6,
  }),
)
const valueArb = fc.oneof(
  fc.stringMatching(/^[ -~]{0,20}$/),
  fc.string({
    unit: fc.constantFrom('x', ' ', '\t', ':', '\r', '\n', 'é', '\u00a0', '\ufeff', '\u2028', '€'),
    maxLength: 8,
  }),
)
const lineArb = fc.oneof(
  fc.tuple(keyArb, fc.constantFrom(': ', ':', ' : ', ':  '), valueArb).map(([k, sep, v]) => `${k}${sep}${v}`),
  valueArb, // a line without a colon (ignored), or an empty one
)
const blockArb = fc
  .tuple(
    fc.constantFrom('NATS/1.0', 'NATS/1.0 503', 'NATS/1.0 100 Idle Heartbeat', 'garbage: x'),
    fc.array(lineArb, { maxLength: 8 }),
    fc.constantFrom('\r\n\r\n', '\r\n', ''),
  )
  .map(([status, lines, end]) => encoder.encode([status, ...lines].join('\r\n') + end))

describe('parseHeaderBlock against nats.js', () => {
  test('the headers the bus writes', () => {
    const block = encoder.encode(
      'NATS/1.0\r\nNats-Msg-Id: 0/17\r\nChargebus-Event: meter.sampled\r\nChargebus-Event-Version: 1\r\n' +
        'traceparent: 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01\r\n\r\n',
    )
    expect(expectSameAsNats(block)).toBe('fast')
    expect(parseHeaderBlock(new TextDecoder().decode(block))?.[BusHeaders.event]).toEqual(['meter.sampled'])
  })

  test.each([
    ['a repeated key keeps every value, in order', 'NATS/1.0\r\nA: 1\r\nB: 2\r\nA:  3 \r\n\r\n', 'fast'],
    ['a value with a colon', 'NATS/1.0\r\nA: x:y\r\n\r\n', 'fast'],
    ['an empty value, an empty key', 'NATS/1.0\r\nA:\r\n: v\r\n\r\n', 'fast'],
    ['only a status line', 'NATS/1.0', 'fast'],
    ['non-ASCII values, trimmed as nats.js trims', 'NATS/1.0\r\nA: \u00a0é€\t\r\n\r\n', 'fast'],
    ['a key with a space (nats.js refuses it)', 'NATS/1.0\r\nBad Key: v\r\n\r\n', 'handed over'],
    ['a key with a tab', 'NATS/1.0\r\nBad\tKey: v\r\n\r\n', 'handed over'],
    ['a lone LF inside a value (nats.js refuses it)', 'NATS/1.0\r\nA: x\ny\r\n\r\n', 'handed over'],
    ['a lone CR ending a value (trimmed away)', 'NATS/1.0\r\nA: x\r\r\n\r\n', 'fast'],
    ['a __proto__ key', 'NATS/1.0\r\n__proto__: x\r\n\r\n', 'handed over'],
  ])('%s', (_name, block, outcome) => {
    expect(expectSameAsNats(encoder.encode(block))).toBe(outcome)
  })

  test('generated blocks: the same record, or handed over where nats.js refuses', () => {
    const seen = { fast: 0, 'handed over': 0 }
    fc.assert(
      fc.property(blockArb, (bytes) => {
        seen[expectSameAsNats(bytes)]++
      }),
      { numRuns: 3000 },
    )
    // Both branches were exercised, not just one.
    expect(seen.fast).toBeGreaterThan(300)
    expect(seen['handed over']).toBeGreaterThan(300)
  })

  test('arbitrary bytes (invalid UTF-8 included) never read differently', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        expectSameAsNats(bytes)
      }),
      { numRuns: 3000 },
    )
  })
})
