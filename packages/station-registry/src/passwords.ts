import { randomBytes, scrypt, scryptSync, timingSafeEqual } from 'node:crypto'
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
export function hashPassword(password: string): PasswordHash {
  const salt = randomBytes(16)
  return {
    algorithm: 'scrypt',
    salt: salt.toString('base64'),
    hash: scryptSync(password, salt, SCRYPT_KEYLEN).toString('base64'),
  }
}

/**
 * Whether `password` matches the stored hash (constant-time compare). scrypt runs in libuv's thread pool,
 * never on the event loop (~50 ms of CPU each): callers on a request path still bound how many run at once
 * and remember verdicts.
 *
 * ### Examples
 * ```ts
 * await verifyPassword(hashPassword('s3cret'), 's3cret') // true
 * ```
 */
export async function verifyPassword(stored: PasswordHash, password: string): Promise<boolean> {
  if (!verifiable(stored)) return false
  return matches(stored, await scryptAsync(password, Buffer.from(stored.salt, 'base64')))
}

/**
 * `verifyPassword` on the calling thread, for worker threads that run checks at a low CPU priority (the
 * gateway's); never call it on an event loop.
 */
export function verifyPasswordSync(stored: PasswordHash, password: string): boolean {
  if (!verifiable(stored)) return false
  return matches(stored, scryptSync(password, Buffer.from(stored.salt, 'base64'), SCRYPT_KEYLEN))
}

// A fast hash of a short station password is guessable offline: records of another algorithm never verify
// (the station is refused until an operator sets its password again).
const verifiable = (stored: PasswordHash) => stored.algorithm === 'scrypt'

function matches(stored: PasswordHash, derived: Buffer): boolean {
  const expected = Buffer.from(stored.hash, 'base64')
  return derived.length === expected.length && timingSafeEqual(derived, expected)
}

function scryptAsync(password: string, salt: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(password, salt, SCRYPT_KEYLEN, (err, key) => (err ? reject(err) : resolve(key)))
  })
}
