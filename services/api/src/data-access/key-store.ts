import { timingSafeEqual } from 'node:crypto'
import type { Database, Kysely } from '@chargebus/db'
import { hashApiKey, looksLikeApiKey, type Principal, SCOPES } from '../domain/api-keys.ts'
import { findActiveKeyByHash } from './api-keys.ts'

/** Resolves a presented API key to its principal; lookups are cached briefly in memory. */
export interface KeyAuthenticator {
  /** The principal of a valid, unrevoked key, else undefined. */
  authenticate(key: string): Promise<Principal | undefined>
  /** Drops cached lookups of a key (this instance revoked it). */
  forget(keyId: string): void
}

export interface KeyAuthenticatorOptions {
  db: Kysely<Database>
  /** Cache lifetime: a key revoked through another instance is refused at most this long after. */
  ttlMs: number
  /** The development key (all scopes), or undefined in production. */
  devKey?: string | undefined
  now?: () => number
  /** Bound on cached lookups (unknown keys included); the oldest go first. */
  maxEntries?: number
}

/**
 * ### Examples
 * ```ts
 * const keys = createKeyAuthenticator({ db, ttlMs: 5000, devKey: devKeyAccepted(config) ? config.CHARGEBUS_DEV_API_KEY : undefined })
 * const principal = await keys.authenticate(token)
 * ```
 */
export function createKeyAuthenticator(opts: KeyAuthenticatorOptions): KeyAuthenticator {
  const now = opts.now ?? (() => performance.now())
  const maxEntries = opts.maxEntries ?? 10_000
  const cache = new Map<string, { principal: Principal | undefined; expires: number }>()
  const devHash = opts.devKey === undefined ? undefined : hashApiKey(opts.devKey)
  const devPrincipal: Principal = {
    keyId: 'dev',
    name: 'development key (CHARGEBUS_DEV_API_KEY)',
    scopes: SCOPES,
  }

  return {
    async authenticate(key) {
      const hash = hashApiKey(key)
      if (devHash !== undefined && timingSafeEqual(hash, devHash)) return devPrincipal
      if (!looksLikeApiKey(key)) return undefined
      const cacheKey = hash.toString('base64')
      const hit = cache.get(cacheKey)
      if (hit !== undefined && hit.expires > now()) return hit.principal
      const row = await findActiveKeyByHash(opts.db, hash)
      const principal = row === undefined ? undefined : { keyId: row.id, name: row.name, scopes: row.scopes }
      if (opts.ttlMs > 0) {
        cache.delete(cacheKey)
        cache.set(cacheKey, { principal, expires: now() + opts.ttlMs })
        if (cache.size > maxEntries) cache.delete(cache.keys().next().value as string)
      }
      return principal
    },
    forget(keyId) {
      for (const [k, v] of cache) if (v.principal?.keyId === keyId) cache.delete(k)
    },
  }
}
