// Started by `pnpm start` (scripts/start.ts) or `node src/main.ts`.
// First: tracing must be registered before anything below loads what it instruments (pg, http).
import '@chargebus/platform/instrument'
import { startService } from '@chargebus/platform'
import { telemetry } from '@chargebus/platform/instrument'
import { buildApp } from './app.ts'
import { GatewayConfig } from './config.ts'
import { openGatewayDependencies } from './deps.ts'

// Stop intake first (runService closes the listener), then let pending PubAcks settle and release.
await startService({
  name: 'ocpp-gateway',
  configSchema: GatewayConfig,
  open: (config, logger) => openGatewayDependencies(config, logger, { namespace: config.BUS_NAMESPACE }),
  build: async (deps) => {
    const app = buildApp(deps)
    // Commands: consume the COMMANDS stream; on shutdown hand held commands back before the bus closes.
    await deps.commandDispatcher?.start()
    app.addHook('preClose', async () => {
      await deps.commandDispatcher?.stop()
    })
    return app
  },
  telemetry,
})
