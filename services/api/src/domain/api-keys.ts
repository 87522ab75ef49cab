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

export function hashApiKey(key: string): Buffer {
  return createHash('sha256').update(key, 'utf8').digest()
}

/** Whether `scopes` grant `required` (`admin` grants everything). */
export function hasScope(scopes: readonly Scope[], required: Scope): boolean {
  return scopes.includes(required) || scopes.includes('admin')
}

/** The bearer token of an Authorization header, or undefined. */
export function bearerToken(header: string | undefined): string | undefined {
  if (header === undefined) return undefined
  const match = /^Bearer[ \t]+([\x21-\x7e]+)[ \t]*$/i.exec(header)
  return match?.[1]
}
