import type { AddressInfo } from 'node:net'
import type { Consumption } from '@chargebus/bus'
import { pingDatabase } from '@chargebus/db'
import { createServiceApp, httpOptionsFrom, type ServiceApp } from '@chargebus/platform'
import { ftpTlsFrom, pullSourcesFrom, tlsRequired } from './config.ts'
import { csvProfilesFrom } from './csv-profiles.ts'
import type { FtpIngestDeps } from './deps.ts'
import { startMeterLogConsumer } from './entry-points/consumers/meter-logs.ts'
import { createFtpEdge } from './entry-points/ftp/ftp-edge.ts'
import { createStationLogin } from './entry-points/ftp/station-login.ts'
import { createPullTimer } from './entry-points/timers/pull-sources.ts'
import { createFtpIngestMetrics } from './metrics.ts'
import { receiveUpload } from './receive-upload.ts'

/** How often pull mode looks for a source whose interval is over (each source has its own). */
const PULL_TICK_MS = 1000

/** The FTP edge app: health routes, and the FTP server listening while the app runs. */
export type FtpIngestApp = ServiceApp & {
  /** Where the FTP control port listens (tests pass FTP_PORT=0 and read it here after `ready()`). */
  ftpAddress(): AddressInfo
}

/**
 * The FTP edge's Fastify app (never listens itself): `/healthz`, `/readyz` (Postgres, NATS, object storage),
 * `/metrics`. The FTP server starts listening when the app is ready and closes in `preClose` (its connections
 * with it), before `onClose` hooks release the bus and the pool.
 *
 * ### Examples
 * ```ts
 * const deps = await openFtpIngestDependencies(config, logger)
 * const app = buildApp(deps)
 * app.addHook('onClose', () => deps.close())
 * await app.ready() // FTP listening on app.ftpAddress().port
 * ```
 */
export function buildApp(deps: FtpIngestDeps): FtpIngestApp {
  const { config, logger, bus, db, storage, clock } = deps
  const app = createServiceApp({
    name: 'ftp-ingest',
    ...(deps.metrics ? { metrics: deps.metrics } : {}),
    logger,
    ...httpOptionsFrom(config),
    readiness: {
      postgres: () => pingDatabase(db),
      nats: () => bus.ping(),
      storage: async () => {
        await storage.head('ftp/.readyz')
      },
    },
  })
  const metrics = createFtpIngestMetrics(app.metrics)
  const receiveDeps = { db, storage, publisher: bus, clock, logger, grants: deps.grants }
  const edge = createFtpEdge({
    host: config.FTP_HOST,
    port: config.FTP_PORT,
    passiveHost: config.FTP_PASSIVE_HOST,
    passiveMinPort: config.FTP_PASSIVE_MIN_PORT,
    passiveMaxPort: config.FTP_PASSIVE_MAX_PORT,
    tls: ftpTlsFrom(config),
    requireTls: tlsRequired(config),
    loginTimeoutMs: config.FTP_LOGIN_TIMEOUT_MS,
    idleTimeoutMs: config.FTP_IDLE_TIMEOUT_MS,
    transferTimeoutMs: config.FTP_TRANSFER_TIMEOUT_MS,
    maxConnections: config.FTP_MAX_CONNECTIONS,
    maxFileBytes: config.FTP_MAX_FILE_BYTES,
    quotaBytes: config.FTP_QUOTA_BYTES,
    login: createStationLogin({
      stations: deps.stations,
      grants: deps.grants,
      clock,
      passwordChecks: deps.passwordChecks,
      maxFailuresPerMinute: config.FTP_LOGIN_MAX_FAILURES,
    }),
    receive: (upload) => receiveUpload(receiveDeps, upload),
    db,
    storage,
    grants: deps.grants,
    metrics,
    logger,
  })
  let address: AddressInfo | undefined
  app.addHook('onReady', async () => {
    address = await edge.listen()
    logger.info({ port: address.port }, 'FTP edge listening')
  })
  app.addHook('preClose', () => edge.close())
  const pullSources = pullSourcesFrom(config)
  if (pullSources.length > 0) {
    const pull = createPullTimer({
      sources: pullSources,
      receive: receiveDeps,
      metrics,
      logger,
      timeoutMs: config.FTP_PULL_TIMEOUT_MS,
      leaseMs: config.FTP_PULL_LEASE_MS,
      tickMs: PULL_TICK_MS,
    })
    app.addHook('onReady', async () => pull.start())
    app.addHook('preClose', () => pull.stop())
  }
  // Meter logs (CSV) from ftp.file.received: parsed, then ftp.file.parsed or ftp.file.rejected.
  const profiles = csvProfilesFrom(config)
  let meterLogs: Consumption | undefined
  app.addHook('onReady', async () => {
    meterLogs = await startMeterLogConsumer({
      bus,
      db,
      storage,
      publisher: bus,
      clock,
      logger,
      profiles,
      limits: { maxLineChars: config.FTP_CSV_MAX_LINE_CHARS, maxRows: config.FTP_CSV_MAX_ROWS },
      durable: config.FTP_PARSE_DURABLE,
      maxInFlight: config.FTP_PARSE_MAX_IN_FLIGHT,
      metrics,
    })
  })
  app.addHook('preClose', async () => {
    await meterLogs?.stop()
  })
  return Object.assign(app, {
    ftpAddress(): AddressInfo {
      if (address === undefined) throw new Error('the FTP edge is not listening yet (await app.ready())')
      return address
    },
  })
}
