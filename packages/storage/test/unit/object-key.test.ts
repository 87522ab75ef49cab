import { InvalidObjectKey, validateKeyPrefix, validateObjectKey } from '../../src/index.ts'

describe('validateObjectKey', () => {
  test.each([
    ['archive/2026-11-01/ocpp-in.part-0001.jsonl.gz'],
    ['ftp/CP-1/Diagnostics 2026-11-01 (2).zip'],
    ['.hidden/..dots.../a..b'],
    ['ä/⚡/日本'],
    ['x'.repeat(255)],
    [`${'x'.repeat(200)}/`.repeat(5).concat('x'.repeat(19))], // 1024 bytes
  ])('accepts %j', (key) => {
    expect(() => validateObjectKey(key)).not.toThrow()
  })

  test.each([
    ['', 'it is empty'],
    ['a/../../etc/passwd', 'it has a .. segment'],
    ['..', 'it has a .. segment'],
    ['a/.', 'it has a . segment'],
    ['/etc/passwd', 'it is absolute (starts with /)'],
    ['a/', 'it ends with /'],
    ['a//b', 'it has an empty segment (//)'],
    ['a\\b', 'it has a backslash'],
    ['a\u0000b', 'it has a control character'],
    ['a\u007fb', 'it has a control character'],
    ['a\ud83d', 'it has a lone surrogate (not valid UTF-8)'],
    ['x'.repeat(1025), 'it is longer than 1024 bytes'],
    ['é'.repeat(513), 'it is longer than 1024 bytes'],
    ['x'.repeat(256), 'a segment is longer than 255 bytes'],
    ['.partial-0123456789abcdef', 'a segment is named like an in-progress write'],
  ])('refuses %j: %s', (key, reason) => {
    expect(() => validateObjectKey(key)).toThrow(InvalidObjectKey)
    expect(() => validateObjectKey(key)).toThrow(expect.objectContaining({ key, reason, status: 400 }))
  })
})

describe('validateKeyPrefix', () => {
  test.each([[''], ['a'], ['a/'], ['a/b/c'], ['a/..x'], ['a/.'], ['logs/2026-1']])('accepts %j', (prefix) => {
    expect(() => validateKeyPrefix(prefix)).not.toThrow()
  })

  test.each([['../'], ['a/../b'], ['/a'], ['a//'], ['a\\b'], ['a\u0000'], ['x'.repeat(1025)]])(
    'refuses %j',
    (prefix) => {
      expect(() => validateKeyPrefix(prefix)).toThrow(InvalidObjectKey)
    },
  )
})
