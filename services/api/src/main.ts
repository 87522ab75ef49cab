// Started by `pnpm start` (scripts/start.ts) or `node --import @chargebus/platform/instrument src/main.ts`.
import { ConfigError, createLogger, loadConfig, runService } from '@chargebus/platform'
import { telemetry } from '@chargebus/platform/instrument'
import { buildApp } from './app.ts'
import { ApiConfig } from './config.ts'
import { openApiDependencies } from './deps.ts'

let config: ApiConfig
try {
  config = loadConfig(ApiConfig)
} catch (err) {
  if (!(err instanceof ConfigError)) throw err
  process.stderr.write(`${err.message}\n`)
  process.exit(1)
}

const logger = createLogger({ name: 'api', level: config.LOG_LEVEL })
if (config.NODE_ENV !== 'production') {
  logger.warn('NODE_ENV is not production: the development API key (CHARGEBUS_DEV_API_KEY) is accepted')
}
const deps = await openApiDependencies(config, logger)
const app = await buildApp(deps)
// SSE streams end in preClose (event routes); pools and NATS are released after in-flight requests.
app.addHook('onClose', () => deps.close())
await runService({
  app,
  host: config.HOST,
  port: config.PORT,
  logger,
  shutdownTimeoutMs: config.SHUTDOWN_TIMEOUT_MS,
  telemetry,
})
