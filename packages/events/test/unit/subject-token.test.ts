import { decodeSubjectToken, encodeSubjectToken, InvalidSubjectTokenError } from '../../src/index.ts'

// A NATS subject token: non-empty, no '.', '*', '>' and no whitespace or control characters.
const isValidToken = (token: string) =>
  token.length > 0 &&
  [...token].every((ch) => ch > ' ' && ch !== '\u007f' && !'.*>'.includes(ch) && !/\s/.test(ch))

describe('encodeSubjectToken / decodeSubjectToken', () => {
  test.each([
    ['CP-0001', 'CP-0001'],
    ['cp_1', 'cp_1'],
    ['urn:station:0042', 'urn:station:0042'],
    ['CP.001', 'CP%2E001'],
    ['DE*ABC*E123', 'DE%2AABC%2AE123'],
    ['a>b', 'a%3Eb'],
    ['with space', 'with%20space'],
    ['tab\there', 'tab%09here'],
    ['100%', '100%25'],
    ['%2E', '%252E'],
    ['Zürich-1', 'Z%C3%BCrich-1'],
    ['🚗', '%F0%9F%9A%97'],
    ['$SYS', '%24SYS'],
    ['a/b\\c', 'a%2Fb%5Cc'],
  ])('%j encodes to %j and back', (identity, token) => {
    expect(encodeSubjectToken(identity)).toBe(token)
    expect(isValidToken(token)).toBe(true)
    expect(decodeSubjectToken(token)).toBe(identity)
  })

  test.each([
    '.',
    '..',
    '*',
    '>',
    ' ',
    '\n',
    '\u0000',
    'ws://host:8080/ocpp?id=1',
    'CP 01.main>*',
    '中文站点',
    'é',
    'e\u0301', // decomposed é stays decomposed
  ])('round-trips %j to a valid token', (identity) => {
    const token = encodeSubjectToken(identity)
    expect(isValidToken(token)).toBe(true)
    expect(decodeSubjectToken(token)).toBe(identity)
  })

  test('distinct identities never share a token', () => {
    const ids = ['a.b', 'a%2Eb', 'a_b', 'a-b', 'A.b', 'a b', 'a:b']
    const tokens = new Set(ids.map(encodeSubjectToken))
    expect(tokens.size).toBe(ids.length)
  })

  test.each([
    ['', 'empty'],
    ['\ud800', 'lone surrogate'],
  ])('refuses to encode %j (%s)', (identity) => {
    expect(() => encodeSubjectToken(identity)).toThrow(InvalidSubjectTokenError)
  })

  test.each([
    ['', 'empty'],
    ['a.b', 'contains a dot'],
    ['a%2e', 'lowercase hex'],
    ['a%2', 'truncated escape'],
    ['%41', 'escaped safe character'],
    ['%C3', 'incomplete UTF-8'],
    ['%FF', 'invalid UTF-8'],
    ['a b', 'raw space'],
  ])('refuses to decode %j (%s)', (token) => {
    expect(() => decodeSubjectToken(token)).toThrow(InvalidSubjectTokenError)
  })
})
