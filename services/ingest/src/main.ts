// Started by `pnpm start` (scripts/start.ts) or `node src/main.ts`.
// First: tracing must be registered before anything below loads what it instruments (pg, http).
import '@chargebus/platform/instrument'
import { startService } from '@chargebus/platform'
import { telemetry } from '@chargebus/platform/instrument'
import { buildApp } from './app.ts'
import { IngestConfig } from './config.ts'
import { openIngestDependencies } from './deps.ts'

// Consumers and sweeps stop in preClose (app.ts); then the bus drains and the pool closes.
await startService({
  name: 'ingest',
  configSchema: IngestConfig,
  checkConfig: (config) =>
    config.INGEST_MAX_IN_FLIGHT >= config.DATABASE_POOL_SIZE
      ? `config: INGEST_MAX_IN_FLIGHT (${config.INGEST_MAX_IN_FLIGHT}) must be below DATABASE_POOL_SIZE (${config.DATABASE_POOL_SIZE})`
      : undefined,
  open: openIngestDependencies,
  build: buildApp,
  telemetry,
})
