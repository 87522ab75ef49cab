import {
  assertBlockSize,
  blockLength,
  InvalidBlockSize,
  MAX_BLOCK_SIZE,
  MAX_TRANSACTION_ID,
  TransactionIdsExhausted,
  toTransactionIdBlock,
} from '../../src/index.ts'

describe('toTransactionIdBlock', () => {
  test.each([
    [1, 1, { first: 1, last: 1 }],
    [1, 100, { first: 1, last: 100 }],
    [101, 100, { first: 101, last: 200 }],
    [MAX_TRANSACTION_ID, 1, { first: MAX_TRANSACTION_ID, last: MAX_TRANSACTION_ID }],
    [MAX_TRANSACTION_ID - 9, 10, { first: MAX_TRANSACTION_ID - 9, last: MAX_TRANSACTION_ID }],
  ])('first %i, size %i -> %o', (first, size, block) => {
    expect(toTransactionIdBlock(first, size)).toEqual(block)
    expect(blockLength(block)).toBe(size)
  })

  test('consecutive blocks, each starting after the previous last, never overlap', () => {
    let next = 1
    const blocks = [3, 1, 50, 7].map((size) => {
      const block = toTransactionIdBlock(next, size)
      next = block.last + 1
      return block
    })
    expect(blocks).toEqual([
      { first: 1, last: 3 },
      { first: 4, last: 4 },
      { first: 5, last: 54 },
      { first: 55, last: 61 },
    ])
  })

  test.each([
    [MAX_TRANSACTION_ID, 2],
    [MAX_TRANSACTION_ID - 9, 11],
  ])('first %i, size %i passes the xs:int maximum -> TransactionIdsExhausted', (first, size) => {
    expect(() => toTransactionIdBlock(first, size)).toThrow(TransactionIdsExhausted)
  })

  test.each([0, -1, 1.5, Number.NaN, MAX_BLOCK_SIZE + 1])('size %p -> InvalidBlockSize', (size) => {
    expect(() => toTransactionIdBlock(1, size)).toThrow(InvalidBlockSize)
    expect(() => assertBlockSize(size)).toThrow(InvalidBlockSize)
  })

  test.each([0, -5, 2.5, Number.NaN])('first %p is a bug, not an operational error', (first) => {
    expect(() => toTransactionIdBlock(first, 10)).toThrow(RangeError)
  })

  test('MAX_BLOCK_SIZE itself is allowed', () => {
    expect(() => assertBlockSize(MAX_BLOCK_SIZE)).not.toThrow()
  })
})
