// Started by `pnpm start` (scripts/start.ts) or `node --import @chargebus/platform/instrument src/main.ts`.
// Imported first: with `--import` it already ran; without, it still starts tracing for http/pg spans.

import { ConfigError, createLogger, loadConfig, runService } from '@chargebus/platform'
import { telemetry } from '@chargebus/platform/instrument'
import { buildApp } from './app.ts'
import { IngestConfig } from './config.ts'
import { openIngestDependencies } from './deps.ts'

let config: IngestConfig
try {
  config = loadConfig(IngestConfig)
} catch (err) {
  if (!(err instanceof ConfigError)) throw err
  process.stderr.write(`${err.message}\n`)
  process.exit(1)
}
if (config.INGEST_MAX_IN_FLIGHT >= config.DATABASE_POOL_SIZE) {
  process.stderr.write(
    `config: INGEST_MAX_IN_FLIGHT (${config.INGEST_MAX_IN_FLIGHT}) must be below DATABASE_POOL_SIZE (${config.DATABASE_POOL_SIZE})\n`,
  )
  process.exit(1)
}

const logger = createLogger({ name: 'ingest', level: config.LOG_LEVEL })
const deps = await openIngestDependencies(config, logger)
const app = buildApp(deps)
// Consumers and sweeps stop in preClose (app.ts); then the bus drains and the pool closes.
app.addHook('onClose', () => deps.close())
await runService({
  app,
  host: config.HOST,
  port: config.PORT,
  logger,
  shutdownTimeoutMs: config.SHUTDOWN_TIMEOUT_MS,
  telemetry,
})
