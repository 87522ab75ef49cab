import { parseBasicAuth } from '../../src/entry-points/http/station-authentication.ts'

describe('parseBasicAuth', () => {
  const b64 = (s: string) => Buffer.from(s).toString('base64')
  test.each([
    [`Basic ${b64('CP-1:s3cret')}`, { user: 'CP-1', password: 's3cret' }],
    [`basic ${b64('CP-1:with:colon')}`, { user: 'CP-1', password: 'with:colon' }],
    [`Basic ${b64('nocolon')}`, undefined],
    ['Bearer abc', undefined],
    [undefined, undefined],
  ])('%j', (header, expected) => {
    expect(parseBasicAuth(header)).toEqual(expected)
  })
})
