import { JetStreamApiCodes } from '@nats-io/jetstream'
import type { ArchiveAccess } from './access.ts'
import { ARCHIVED_STREAMS } from './layout.ts'
import { readPosition } from './manifest-store.ts'

/** How far behind the archive is on one stream, from JetStream's stream info and the KV position. */
export interface StreamArchiveStatus {
  readonly stream: string
  /** Last sequence covered by a manifest (0: nothing archived yet). */
  readonly archivedSeq: number
  readonly archivedAt?: string | undefined
  readonly firstSeq: number
  readonly lastSeq: number
  readonly unarchivedMessages: number
  /** Estimated from the stream's average message size. */
  readonly unarchivedBytes: number
  readonly maxBytes: number
  readonly maxAgeMs: number
  /** Stream time of the oldest unarchived message still in the stream. */
  readonly oldestUnarchivedTime?: string | undefined
  /** Messages left the stream unarchived (the archive has a hole; the manifests count them). */
  readonly losing: boolean
  /** max(unarchived bytes / max bytes, oldest unarchived age / max age); 1 or more: messages are lost. */
  readonly ratio: number
}

/** The inputs of the ratio, in plain numbers. */
export interface RatioInputs {
  readonly archivedSeq: number
  readonly firstSeq: number
  readonly lastSeq: number
  readonly messages: number
  readonly bytes: number
  readonly maxBytes: number
  readonly maxAgeMs: number
  readonly oldestUnarchivedMs?: number | undefined
  readonly nowMs: number
}

/**
 * The larger of the unarchived share of the stream's byte limit and of its age limit. Reaching 1 means
 * the stream starts dropping messages the archive does not have. Pure.
 */
export function unarchivedRatio(i: RatioInputs): {
  ratio: number
  unarchivedMessages: number
  unarchivedBytes: number
  losing: boolean
} {
  const fromSeq = Math.max(i.archivedSeq + 1, i.firstSeq)
  const unarchivedMessages = i.messages === 0 ? 0 : Math.max(0, i.lastSeq - fromSeq + 1)
  const unarchivedBytes =
    i.messages === 0 ? 0 : Math.round((i.bytes / i.messages) * Math.min(unarchivedMessages, i.messages))
  const losing = i.archivedSeq + 1 < i.firstSeq
  const byBytes = i.maxBytes > 0 ? unarchivedBytes / i.maxBytes : 0
  const byAge =
    i.oldestUnarchivedMs !== undefined && i.maxAgeMs > 0 && unarchivedMessages > 0
      ? Math.max(0, i.nowMs - i.oldestUnarchivedMs) / i.maxAgeMs
      : 0
  return { ratio: Math.max(byBytes, byAge, losing ? 1 : 0), unarchivedMessages, unarchivedBytes, losing }
}

/**
 * The status of every archived stream that exists. Reads JetStream and the KV position only: the API
 * exports it even when the archiver is down.
 */
export async function archiveStatus(access: ArchiveAccess, now: () => Date): Promise<StreamArchiveStatus[]> {
  const out: StreamArchiveStatus[] = []
  for (const stream of ARCHIVED_STREAMS) {
    const physical = access.ns.stream(stream)
    let info: Awaited<ReturnType<typeof access.jsm.streams.info>>
    try {
      info = await access.jsm.streams.info(physical)
    } catch (err) {
      if ((err as { code?: number }).code === JetStreamApiCodes.StreamNotFound) continue
      throw err
    }
    const position = await readPosition(access, stream)
    const archivedSeq = position?.lastSeq ?? 0
    const fromSeq = Math.max(archivedSeq + 1, info.state.first_seq)
    let oldest: Date | undefined
    if (info.state.messages > 0 && fromSeq <= info.state.last_seq) {
      oldest = await access.jsm.streams
        .getMessage(physical, { seq: fromSeq })
        .then((m) => m?.time)
        .catch(() => undefined)
    }
    const figures = unarchivedRatio({
      archivedSeq,
      firstSeq: info.state.first_seq,
      lastSeq: info.state.last_seq,
      messages: info.state.messages,
      bytes: info.state.bytes,
      maxBytes: info.config.max_bytes,
      maxAgeMs: info.config.max_age / 1e6,
      oldestUnarchivedMs: oldest?.getTime(),
      nowMs: now().getTime(),
    })
    out.push({
      stream,
      archivedSeq,
      archivedAt: position?.updatedAt,
      firstSeq: info.state.first_seq,
      lastSeq: info.state.last_seq,
      maxBytes: info.config.max_bytes,
      maxAgeMs: info.config.max_age / 1e6,
      oldestUnarchivedTime: oldest?.toISOString(),
      ...figures,
    })
  }
  return out
}
