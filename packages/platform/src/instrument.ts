/**
 * Starts telemetry before the application imports anything it instruments. A service's `main.ts` imports
 * it FIRST, as a side-effect import (import sorting keeps it above the others), then takes `telemetry` from it
 * to flush spans on shutdown:
 *
 * ```ts
 * import '@chargebus/platform/instrument'
 * import { startService } from '@chargebus/platform'
 * import { telemetry } from '@chargebus/platform/instrument'
 * ```
 *
 * `node --import @chargebus/platform/instrument` does the same for any other entry point. The start is
 * synchronous (no top-level await): an ES module's later imports are evaluated while an earlier one awaits.
 *
 * Reads the `OTEL_*` variables (see the README); without `OTEL_EXPORTER_OTLP_ENDPOINT` it does
 * nothing. The service name is `OTEL_SERVICE_NAME`, else the service whose `services/<name>/src/main.ts` runs,
 * else the running package's name (`pnpm` sets `npm_package_name`), else `unknown_service:node` as the
 * OpenTelemetry spec says.
 */
import { Type } from 'typebox'
import { commonConfig } from './common-config.ts'
import { loadConfig } from './config.ts'
import { ConfigError } from './errors.ts'
import { createLogger } from './logger.ts'
import { startTelemetrySync, type Telemetry } from './telemetry.ts'

function start(): Telemetry {
  try {
    const { LOG_LEVEL } = loadConfig(Type.Object(commonConfig.logging))
    // `pnpm start` and the tests start every service from the repository root: npm_package_name is the root's.
    const service = /services[/\\]([^/\\]+)[/\\]src[/\\]main\.ts$/.exec(process.argv[1] ?? '')?.[1]
    const packageName = process.env.npm_package_name?.split('/').pop()
    return startTelemetrySync({
      serviceName: service || packageName || 'unknown_service:node',
      logger: createLogger({ name: 'telemetry', level: LOG_LEVEL }),
    })
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err
    process.stderr.write(`${err.message}\n`)
    process.exit(1)
  }
}

/** The process-wide telemetry started by this entry; pass it to `runService` so spans are flushed on exit. */
export const telemetry: Telemetry = start()
