import { type ArchiveAccess, openArchiveAccess } from '@chargebus/archive'
import { natsAccessFrom, streamLimitsConfig, streamLimitsFrom } from '@chargebus/bus'
import { commonConfig, type Env, loadConfig } from '@chargebus/platform'
import { createStorageFromConfig, type ObjectStorage, storageConfig } from '@chargebus/storage'
import { Type } from 'typebox'

const ArchiveCliConfig = Type.Object({
  ...commonConfig.logging,
  ...commonConfig.nats,
  ...streamLimitsConfig,
  ...storageConfig,
})

/** NATS and the object storage as the archiver reaches them (the same variables). */
export async function openArchiveCli(
  env: Env,
  command: string,
  namespace: string | undefined,
): Promise<{ access: ArchiveAccess; storage: ObjectStorage }> {
  const config = loadConfig(ArchiveCliConfig, env)
  const storage = await createStorageFromConfig(config)
  const access = await openArchiveAccess({
    access: natsAccessFrom(config),
    name: `chargebus-cli ${command}`,
    namespace: namespace ?? config.BUS_NAMESPACE,
    streamLimits: streamLimitsFrom(config),
    replicas: config.NATS_STREAM_REPLICAS,
  })
  return { access, storage }
}

/** Storage alone (list, verify do not need NATS). */
export function openArchiveStorage(env: Env): Promise<ObjectStorage> {
  return createStorageFromConfig(loadConfig(Type.Object(storageConfig), env))
}

/** A bar of `width` cells for `done / total`. */
export function bar(done: number, total: number, width = 24): string {
  const share = total > 0 ? Math.min(1, done / total) : 1
  const full = Math.round(share * width)
  return `[${'#'.repeat(full)}${'.'.repeat(width - full)}] ${Math.floor(share * 100)}%`
}

/** `2026-12-06T08:00:00Z` or `-2h` / `-30m` / `-7d` (relative to now); undefined stays undefined. */
export function parseTime(text: string | undefined, now: Date, name: string): Date | undefined {
  if (text === undefined) return undefined
  const rel = /^-(\d+)(s|m|h|d)$/.exec(text)
  if (rel) {
    const unit = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[rel[2] as 's' | 'm' | 'h' | 'd']
    return new Date(now.getTime() - Number(rel[1]) * unit)
  }
  const t = Date.parse(text)
  if (Number.isNaN(t))
    throw Object.assign(new Error(`${name} must be an ISO 8601 time or -<n>s|m|h|d`), {
      code: 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE',
    })
  return new Date(t)
}
