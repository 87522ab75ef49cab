import { createHash, randomBytes, scryptSync, timingSafeEqual } from 'node:crypto'
import type { PasswordHash } from './records.ts'

const SCRYPT_KEYLEN = 32

/**
 * Hashes a station password for its record (scrypt with a random salt).
 *
 * ### Examples
 * ```ts
 * await mirrorRegistration(kvs.stations, { stationId: 'CP-1', password: hashPassword('s3cret'), decidedAt: now, source: 'cli' })
 * ```
 */
export function hashPassword(
  password: string,
  algorithm: PasswordHash['algorithm'] = 'scrypt',
): PasswordHash {
  const salt = randomBytes(16)
  return {
    algorithm,
    salt: salt.toString('base64'),
    hash: derive(algorithm, salt, password).toString('base64'),
  }
}

/** Derives the hash of `password` with the record's algorithm and salt. CPU-heavy for scrypt: cache results. */
export function derive(algorithm: PasswordHash['algorithm'], salt: Buffer, password: string): Buffer {
  return algorithm === 'scrypt'
    ? scryptSync(password, salt, SCRYPT_KEYLEN)
    : createHash('sha256').update(salt).update(password, 'utf8').digest()
}

/**
 * Whether `password` matches the stored hash (constant-time compare). CPU-heavy for scrypt (~50 ms): callers
 * on a request path cache the verdict.
 *
 * ### Examples
 * ```ts
 * verifyPassword(hashPassword('s3cret'), 's3cret') // true
 * ```
 */
export function verifyPassword(stored: PasswordHash, password: string): boolean {
  const expected = Buffer.from(stored.hash, 'base64')
  const actual = derive(stored.algorithm, Buffer.from(stored.salt, 'base64'), password)
  return actual.length === expected.length && timingSafeEqual(actual, expected)
}
