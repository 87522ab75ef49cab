import { archiveStatus, createArchiverMetrics, registerArchiveStatusMetrics } from '@chargebus/archive'
import { createServiceApp, httpOptionsFrom, type ServiceApp } from '@chargebus/platform'
import type { ArchiverDeps } from './deps.ts'
import { type ArchiveLoops, startArchiveLoops } from './entry-points/loops/archive-loops.ts'

/**
 * The archiver's Fastify app (never listens): `/healthz`, `/readyz` (NATS and the object storage),
 * `/metrics` (its counters and `chargebus_archive_unarchived_ratio`). The archive loops start when the app
 * is ready and stop in `preClose`, before the NATS connection drains.
 *
 * ### Examples
 * ```ts
 * const deps = await openArchiverDependencies(config, logger)
 * const app = buildApp(deps)
 * app.addHook('onClose', () => deps.close())
 * await app.ready() // archiving
 * ```
 */
export function buildApp(deps: ArchiverDeps): ServiceApp {
  const { config, logger, access, storage } = deps
  const app = createServiceApp({
    name: 'archiver',
    logger,
    ...httpOptionsFrom(config),
    readiness: {
      nats: async () => {
        await access.jsm.getAccountInfo()
      },
      storage: async () => {
        await storage.head('archive/.readyz')
      },
    },
  })
  registerArchiveStatusMetrics(app.metrics, () => archiveStatus(access, deps.clock))
  const metrics = createArchiverMetrics(app.metrics)
  let loops: ArchiveLoops | undefined
  app.addHook('onReady', async () => {
    loops = await startArchiveLoops({
      access,
      storage,
      streams: deps.streams,
      limits: {
        maxMessages: config.ARCHIVE_BATCH_MAX_MESSAGES,
        maxBytes: config.ARCHIVE_BATCH_MAX_BYTES,
        delayMs: config.ARCHIVE_DELAY_MS,
      },
      gzipLevel: config.ARCHIVE_GZIP_LEVEL,
      retryMs: config.ARCHIVE_RETRY_MS,
      clock: deps.clock,
      logger,
      metrics,
    })
  })
  app.addHook('preClose', async () => {
    await loops?.stop()
  })
  return app
}
