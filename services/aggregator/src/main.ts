// Started by `pnpm start` (scripts/start.ts) or `node src/main.ts`.
// First: tracing must be registered before anything below loads what it instruments (pg, http).
import '@chargebus/platform/instrument'
import { startService } from '@chargebus/platform'
import { telemetry } from '@chargebus/platform/instrument'
import { buildApp } from './app.ts'
import { AggregatorConfig } from './config.ts'
import { openAggregatorDependencies } from './deps.ts'
import { resolveTimeZone } from './domain/buckets.ts'

// The consumer and the timer stop in preClose (app.ts); then the bus drains and the pool closes.
await startService({
  name: 'aggregator',
  configSchema: AggregatorConfig,
  checkConfig: (config) => {
    try {
      resolveTimeZone(config.AGGREGATOR_TIME_ZONE)
      return undefined
    } catch {
      return `config: AGGREGATOR_TIME_ZONE (${config.AGGREGATOR_TIME_ZONE}) is not an IANA time zone name`
    }
  },
  open: openAggregatorDependencies,
  build: buildApp,
  telemetry,
})
