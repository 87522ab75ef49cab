// Started by `pnpm start` (scripts/start.ts) or `node src/main.ts`.
// First: how V8 places the rows of each page (allocation-pretenuring.ts); then tracing must be registered before
// anything below loads what it instruments (pg, http).
import './allocation-pretenuring.ts'
import '@chargebus/platform/instrument'
import { startService } from '@chargebus/platform'
import { telemetry } from '@chargebus/platform/instrument'
import { buildApp } from './app.ts'
import { ApiConfig } from './config.ts'
import { openApiDependencies } from './deps.ts'
import { devKeyAccepted } from './domain/api-keys.ts'

// SSE streams end in preClose (event routes); pools and NATS are released after in-flight requests.
await startService({
  name: 'api',
  configSchema: ApiConfig,
  open: (config, logger) => {
    if (devKeyAccepted(config)) {
      logger.warn(
        'development on a loopback address: the development API key (CHARGEBUS_DEV_API_KEY) is accepted',
      )
    }
    return openApiDependencies(config, logger)
  },
  build: (deps) => buildApp(deps),
  telemetry,
})
