import { setTimeout as sleep } from 'node:timers/promises'
import {
  type ArchiveAccess,
  type ArchivedStream,
  type ArchiverMetrics,
  archiveStream,
  type BatchLimits,
} from '@chargebus/archive'
import { ensureStreams } from '@chargebus/bus'
import { Streams } from '@chargebus/events'
import type { Clock } from '@chargebus/platform'
import type { ObjectStorage } from '@chargebus/storage'
import type { Logger } from 'pino'

export interface ArchiveLoopsOptions {
  readonly access: ArchiveAccess
  readonly storage: ObjectStorage
  readonly streams: readonly ArchivedStream[]
  readonly limits: BatchLimits
  readonly gzipLevel: number
  readonly retryMs: number
  readonly clock: Clock
  readonly logger: Logger
  readonly metrics: ArchiverMetrics
}

export interface ArchiveLoops {
  /** Stops reading; the batch being read is dropped (read again at the next start). */
  stop(): Promise<void>
}

/**
 * One loop per stream, each following its stream until stopped. A failure (S3 down, NATS away) waits
 * `retryMs` and starts again from the checkpoint: the archiver never holds up a publisher, it only falls
 * behind (which the unarchived ratio shows).
 */
export async function startArchiveLoops(opts: ArchiveLoopsOptions): Promise<ArchiveLoops> {
  const abort = new AbortController()
  // Declare the streams with this deployment's limits, so that an archiver started first finds them.
  await ensureStreams(
    opts.access.jsm,
    opts.access.ns,
    opts.streams.map((s) => Streams[s]),
    opts.access.streamOptions,
  )
  const loops = opts.streams.map(async (stream) => {
    const log = opts.logger.child({ stream })
    while (!abort.signal.aborted) {
      try {
        await archiveStream({
          access: opts.access,
          storage: opts.storage,
          stream,
          limits: opts.limits,
          gzipLevel: opts.gzipLevel,
          now: opts.clock,
          logger: opts.logger,
          signal: abort.signal,
          onBatch: (b) => {
            opts.metrics.messages.inc({ stream }, b.manifest.count)
            opts.metrics.storedBytes.inc({ stream }, b.storedBytes)
            const lost = b.manifest.lost.reduce((n, [a, z]) => n + z - a + 1, 0)
            if (lost > 0) opts.metrics.lost.inc({ stream }, lost)
            log.debug(
              { firstSeq: b.manifest.firstSeq, lastSeq: b.manifest.lastSeq, reason: b.reason },
              'batch archived',
            )
          },
          onConflict: () => opts.metrics.conflicts.inc({ stream }),
        })
      } catch (err) {
        if (abort.signal.aborted) break
        log.error({ err }, 'archiving failed; retrying from the checkpoint')
        await sleep(opts.retryMs, undefined, { signal: abort.signal }).catch(() => {})
      }
    }
  })
  return {
    async stop() {
      abort.abort()
      await Promise.allSettled(loops)
    },
  }
}
