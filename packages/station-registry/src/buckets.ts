import type { KV } from '@nats-io/kv'

/** Logical KV bucket names (the bus prefixes its namespace). */
export const KvBuckets = {
  stations: 'ocpp_stations',
  idTags: 'ocpp_id_tags',
  /** One-time FTP credentials per command (`./ftp-grants.ts`). */
  ftpGrants: 'ftp_grants',
} as const

/** The registry's two buckets, opened (created when missing) on a bus (`bus.kv`). */
export interface KvBucketHandles {
  idTags: KV
  stations: KV
}

/**
 * Opens the id-tag and station buckets.
 *
 * ### Examples
 * ```ts
 * const kvs = await openKvBuckets(bus)
 * await mirrorIdTag(kvs.idTags, { idTag: 'TAG-1', status: 'Blocked', updatedAt: new Date() })
 * ```
 */
export async function openKvBuckets(bus: { kv(bucket: string): Promise<KV> }): Promise<KvBucketHandles> {
  const [idTags, stations] = await Promise.all([bus.kv(KvBuckets.idTags), bus.kv(KvBuckets.stations)])
  return { idTags, stations }
}

/** Grants outlive no command: the bucket forgets entries after this (expiry itself is `expiresAt`). */
const FTP_GRANT_BUCKET_TTL_MS = 8 * 86_400_000

/** Opens the one-time FTP credentials bucket (the gateway issues, the FTP edge spends). */
export function openFtpGrants(bus: {
  kv(bucket: string, opts?: { ttl?: number }): Promise<KV>
}): Promise<KV> {
  return bus.kv(KvBuckets.ftpGrants, { ttl: FTP_GRANT_BUCKET_TTL_MS })
}
