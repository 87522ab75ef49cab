// Started by `pnpm start` (scripts/start.ts) or `node --import @chargebus/platform/instrument src/main.ts`.
// Imported first: with `--import` it already ran; without, it still starts tracing for http/pg spans.

import { ConfigError, createLogger, loadConfig, runService } from '@chargebus/platform'
import { telemetry } from '@chargebus/platform/instrument'
import { buildApp } from './app.ts'
import { GatewayConfig } from './config.ts'
import { openGatewayDependencies } from './deps.ts'

let config: GatewayConfig
try {
  config = loadConfig(GatewayConfig)
} catch (err) {
  if (!(err instanceof ConfigError)) throw err
  process.stderr.write(`${err.message}\n`)
  process.exit(1)
}

const logger = createLogger({ name: 'ocpp-gateway', level: config.LOG_LEVEL })
const deps = await openGatewayDependencies(config, logger, { namespace: config.BUS_NAMESPACE })
const app = buildApp(deps)
// Commands: consume the COMMANDS stream; on shutdown hand held commands back before the bus closes.
await deps.commands?.start()
app.addHook('preClose', async () => {
  await deps.commands?.stop()
})
// Stop intake first (runService closes the listener), then let pending PubAcks settle and release.
app.addHook('onClose', () => deps.close())
await runService({
  app,
  host: config.HOST,
  port: config.PORT,
  logger,
  shutdownTimeoutMs: config.SHUTDOWN_TIMEOUT_MS,
  telemetry,
})
