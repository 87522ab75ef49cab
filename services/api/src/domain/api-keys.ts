import { createHash, randomBytes } from 'node:crypto'

/** What an API key may do. `admin` implies every other scope. */
export const SCOPES = ['read', 'write', 'admin', 'bi'] as const
export type Scope = (typeof SCOPES)[number]

/** Keys look like `cbk_` + 43 base64url characters (32 random bytes). */
export const KEY_PREFIX = 'cbk_'
/** Characters of a key kept (and shown) to identify it: `cbk_` + 8. */
export const SHOWN_PREFIX_LENGTH = KEY_PREFIX.length + 8

/** The authenticated caller of a request. */
export interface Principal {
  /** The key's id; `dev` for the development key. */
  keyId: string
  name: string
  scopes: readonly Scope[]
}

/** A new key: `key` is shown once and never stored; `hash` and `prefix` are. */
export interface GeneratedKey {
  key: string
  prefix: string
  hash: Buffer
}

/**
 * A new random API key. sha256 is the right hash here (unlike for passwords): the key has 256 bits of
 * entropy, so there is nothing to brute-force, and a fast hash keeps the lookup cheap.
 *
 * ### Examples
 * ```ts
 * const { key, prefix, hash } = generateApiKey()  // key: 'cbk_q3N...', prefix: 'cbk_q3N0aZ1x'
 * ```
 */
export function generateApiKey(random: (size: number) => Buffer = randomBytes): GeneratedKey {
  const key = KEY_PREFIX + random(32).toString('base64url')
  return { key, prefix: key.slice(0, SHOWN_PREFIX_LENGTH), hash: hashApiKey(key) }
}

/** Whether a presented token can be a key at all (`cbk_` + 43 base64url characters): others skip the lookup. */
export function looksLikeApiKey(token: string): boolean {
  return /^cbk_[A-Za-z0-9_-]{43}$/.test(token)
}

export function hashApiKey(key: string): Buffer {
  return createHash('sha256').update(key, 'utf8').digest()
}

/** Whether `scopes` grant `required` (`admin` grants everything). */
export function hasScope(scopes: readonly Scope[], required: Scope): boolean {
  return scopes.includes(required) || scopes.includes('admin')
}

/**
 * Whether the development key (`CHARGEBUS_DEV_API_KEY`) is accepted: only in development and only while the
 * API listens on a loopback address, so a container, a staging host or production never carries a key
 * everybody knows.
 *
 * ### Examples
 * ```ts
 * devKeyAccepted({ NODE_ENV: 'development', HOST: '127.0.0.1' }) // true
 * devKeyAccepted({ NODE_ENV: 'development', HOST: '0.0.0.0' })   // false
 * ```
 */
export function devKeyAccepted(config: { NODE_ENV: string; HOST: string }): boolean {
  return config.NODE_ENV === 'development' && isLoopback(config.HOST)
}

function isLoopback(host: string): boolean {
  const h = host.toLowerCase().replace(/^\[|\]$/g, '')
  return h === 'localhost' || h === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h)
}

/** The bearer token of an Authorization header, or undefined. */
export function bearerToken(header: string | undefined): string | undefined {
  if (header === undefined) return undefined
  const match = /^Bearer[ \t]+([\x21-\x7e]+)[ \t]*$/i.exec(header)
  return match?.[1]
}
