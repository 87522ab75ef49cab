import { createHash } from 'node:crypto'
import {
  fromKvKey,
  hashPassword,
  idTagKey,
  kvKey,
  verifyPassword,
  verifyPasswordSync,
} from '../../src/index.ts'

describe('kvKey', () => {
  test('a sha256 record of an older version never verifies, even with its password', async () => {
    const salt = Buffer.from('salt')
    const hash = createHash('sha256').update(salt).update('s3cret').digest('base64')
    expect(await verifyPassword({ algorithm: 'sha256', salt: salt.toString('base64'), hash }, 's3cret')).toBe(
      false,
    )
  })

  test.each([
    ['CP-1', 'CP-1'],
    ['urn:cp:7', 'urn=3Acp=3A7'],
    ['CP.0001', 'CP=2E0001'],
    ['a b', 'a=20b'],
    ['Ladesäule', 'Lades=C3=A4ule'],
  ])('%j -> %j and back', (identity, key) => {
    expect(kvKey(identity)).toBe(key)
    expect(key).toMatch(/^[-/_=.a-zA-Z0-9]+$/)
    expect(fromKvKey(key)).toBe(identity)
  })
  test('id tags compare case-insensitively', () => {
    expect(idTagKey('abc123')).toBe(idTagKey('ABC123'))
  })
})

describe('passwords', () => {
  test('scrypt with a random salt: the same password hashes differently each time, and verifies', async () => {
    const a = hashPassword('s3cret')
    const b = hashPassword('s3cret')
    expect(a.algorithm).toBe('scrypt')
    expect(a.salt).not.toBe(b.salt)
    expect(await verifyPassword(a, 's3cret')).toBe(true)
    expect(await verifyPassword(b, 's3cret')).toBe(true)
    expect(verifyPasswordSync(a, 's3cret')).toBe(true)
  })

  test.each([
    ['', 's3cre'],
    ['wrong', 'S3CRET'],
    ['longer', 's3cret!'],
  ])('%j does not verify', async (_n, given) => {
    const stored = hashPassword('s3cret')
    expect(await verifyPassword(stored, given)).toBe(false)
    expect(verifyPasswordSync(stored, given)).toBe(false)
  })
})
