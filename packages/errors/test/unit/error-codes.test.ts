import { AppError, defineErrorCodes, errorCodeDocGaps } from '../../src/index.ts'

const Codes = defineErrorCodes({
  DEMO_ERR_ONE: { meaning: 'the first' },
  DEMO_ERR_TWO: { meaning: 'the second', status: 409, title: 'Two' },
})

describe('errorCodeDocGaps', () => {
  test.each([
    ['every code in a row of its own', '| `DEMO_ERR_ONE` | x |\n|`DEMO_ERR_TWO`|y|', [], []],
    [
      'a code only mentioned in prose is missing',
      '| `DEMO_ERR_ONE` | x |\nsee `DEMO_ERR_TWO`',
      ['DEMO_ERR_TWO'],
      [],
    ],
    [
      'a row for a code that does not exist',
      '| `DEMO_ERR_ONE` |\n| `DEMO_ERR_TWO` |\n| `DEMO_ERR_OLD` |',
      [],
      ['DEMO_ERR_OLD'],
    ],
    ['other prefixes are not ours', '| `DEMO_ERR_ONE` |\n| `DEMO_ERR_TWO` |\n| `BUS_ERR_CLOSED` |', [], []],
  ])('%s', (_name, readme, missing, unknown) => {
    expect(errorCodeDocGaps(Codes, readme, 'DEMO_ERR_')).toEqual({ missing, unknown })
  })
})

describe('AppError', () => {
  test('carries its code, status and retryability, and a cause', () => {
    const cause = new Error('socket closed')
    const err = new AppError('DEMO_ERR_TWO', 'two', {
      status: Codes.DEMO_ERR_TWO.status,
      retryable: true,
      cause,
    })
    expect(err).toMatchObject({ name: 'AppError', code: 'DEMO_ERR_TWO', status: 409, retryable: true, cause })
    expect(new AppError('DEMO_ERR_ONE', 'one')).toMatchObject({ status: 500, retryable: false })
  })
})
