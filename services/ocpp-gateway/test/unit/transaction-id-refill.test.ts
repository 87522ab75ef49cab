import { loadConfig } from '@chargebus/platform'
import { GatewayConfig, transactionIdSettingsFrom } from '../../src/config.ts'
import {
  countDemand,
  DEMAND_WINDOW_MS,
  demandPerSecond,
  emptyDemand,
  nextLeadMs,
  nextRefillSize,
  type RefillState,
} from '../../src/domain/transaction-id-refill.ts'

const limits = { minBlock: 1000, maxBlock: 50_000, maxOutstanding: 2 }
const idle: RefillState = {
  available: 1000,
  incoming: 0,
  outstanding: 0,
  waiting: 0,
  demandPerS: 0,
  leadMs: 5,
}

test.each([
  ['idle with a full block: nothing', idle, 0],
  ['idle, half of the block used: the smallest block', { ...idle, available: 500 }, 1000],
  ['idle, a little more than half left: nothing', { ...idle, available: 501 }, 0],
  ['the block on its way counts: nothing', { ...idle, available: 100, incoming: 1000, outstanding: 1 }, 0],
  [
    'a burst: 2 lead times of demand plus the queue, topped up to twice that',
    { ...idle, available: 0, waiting: 1024, demandPerS: 1024, leadMs: 500 },
    4096,
  ],
  [
    'demand refills well before the reserve runs low',
    { ...idle, available: 3000, demandPerS: 2000, leadMs: 1000 },
    5000,
  ],
  ['never above the largest block', { ...idle, available: 0, demandPerS: 10_000_000, leadMs: 1000 }, 50_000],
  ['no more than maxOutstanding at once', { ...idle, available: 0, waiting: 99, outstanding: 2 }, 0],
  [
    'a second block while the first is on its way and the queue grew past it',
    { ...idle, available: 0, incoming: 1000, outstanding: 1, waiting: 2000, demandPerS: 3000, leadMs: 200 },
    5400,
  ],
])('nextRefillSize: %s', (_name, state, size) => {
  expect(nextRefillSize(state, limits)).toBe(size)
})

test('demand counts a burst at once and is forgotten within two windows', () => {
  let m = { ...emptyDemand, windowStart: 0 }
  for (let i = 0; i < 300; i++) m = countDemand(m, 10)
  expect(demandPerSecond(m, 20)).toBe(300)
  m = countDemand(m, DEMAND_WINDOW_MS + 1) // the next window: the burst is the previous one
  expect(demandPerSecond(m, DEMAND_WINDOW_MS + 1)).toBe(300)
  expect(demandPerSecond(m, 2 * DEMAND_WINDOW_MS + 1)).toBe(1) // the one call of the last window
  expect(demandPerSecond(m, 4 * DEMAND_WINDOW_MS)).toBe(0)
})

test('lead time rises with a slow block at once and falls slowly', () => {
  expect(nextLeadMs(10, 400)).toBe(400)
  expect(nextLeadMs(400, 0)).toBe(320)
  expect(nextLeadMs(0, 0)).toBe(0)
})

describe('transactionIdSettingsFrom', () => {
  const configOf = (env: Record<string, string>) => loadConfig(GatewayConfig, env)

  test('the defaults: blocks of 1,000 to 50,000, a 5 s wait', () => {
    expect(transactionIdSettingsFrom(configOf({}))).toEqual({
      blockSize: 1000,
      maxBlockSize: 50_000,
      waitMs: 5000,
    })
  })

  test('a largest block below the smallest is refused, naming the variable', () => {
    const config = configOf({
      OCPP_TRANSACTION_ID_BLOCK_SIZE: '5000',
      OCPP_TRANSACTION_ID_MAX_BLOCK_SIZE: '100',
    })
    expect(() => transactionIdSettingsFrom(config)).toThrow(
      /OCPP_TRANSACTION_ID_MAX_BLOCK_SIZE must be at least/,
    )
  })
})
