import { type IdTagRecord, idTagKey, KvBuckets, mirrorIdTag } from '@chargebus/station-registry'
import { connectCommandBus } from '../config.ts'
import type { Env } from '../context.ts'
import { UnreachableError } from '../errors.ts'

/**
 * Throws `UnreachableError` (one line, with the fix) when nothing answers HTTP at the gateway's URL within
 * `timeoutMs`; any HTTP answer, even an error status, means the gateway is there. Run before the fleet
 * starts, so a stopped gateway fails the run at once instead of after every station has retried.
 */
export async function assertGatewayAnswers(url: string, timeoutMs: number): Promise<void> {
  try {
    const res = await fetch(url, { method: 'GET', signal: AbortSignal.timeout(timeoutMs) })
    await res.body?.cancel()
  } catch (err) {
    const code = (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).name
    throw new UnreachableError(
      `the OCPP gateway does not answer at ${url} (${code}): start the stack with pnpm start, or pass --url`,
    )
  }
}

/** What `registerTag` did, for the line simulate prints. */
export type TagRegistration = 'registered' | 'already-accepted' | { kept: IdTagRecord['status'] }

/**
 * Makes the gateway accept `idTag` (development convenience): writes an Accepted record to the id-tag KV
 * bucket unless one exists. A record with another status (someone blocked the tag on purpose) is kept.
 */
export async function registerTag(
  env: Env,
  idTag: string,
  namespace: string | undefined,
): Promise<TagRegistration> {
  const bus = await connectCommandBus(env, 'simulate', namespace)
  try {
    const kv = await bus.kv(KvBuckets.idTags)
    const entry = await kv.get(idTagKey(idTag))
    if (entry?.operation === 'PUT') {
      const status = (entry.json() as Partial<IdTagRecord>).status
      if (status === 'Accepted') return 'already-accepted'
      if (status !== undefined) return { kept: status }
    }
    await mirrorIdTag(kv, { idTag, status: 'Accepted', updatedAt: new Date() })
    return 'registered'
  } finally {
    await bus.close()
  }
}
