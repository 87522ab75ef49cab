/**
 * Preload entry that starts telemetry before the application imports anything it instruments:
 *
 * ```sh
 * node --import @chargebus/platform/instrument src/main.ts
 * ```
 *
 * Reads the `OTEL_*` variables (see the README); without `OTEL_EXPORTER_OTLP_ENDPOINT` it does
 * nothing. The service name is `OTEL_SERVICE_NAME`, else the running package's name (`pnpm` sets
 * `npm_package_name`), else `unknown_service:node` as the OpenTelemetry spec says.
 *
 * `main.ts` imports the same module to flush spans on shutdown:
 *
 * ```ts
 * import { telemetry } from '@chargebus/platform/instrument'
 * await runService({ app, host, port, logger, telemetry })
 * ```
 */
import { Type } from 'typebox'
import { commonConfig } from './common-config.ts'
import { loadConfig } from './config.ts'
import { ConfigError } from './errors.ts'
import { createLogger } from './logger.ts'
import { startTelemetry, type Telemetry } from './telemetry.ts'

async function start(): Promise<Telemetry> {
  try {
    const { LOG_LEVEL } = loadConfig(Type.Object(commonConfig.logging))
    const packageName = process.env.npm_package_name?.split('/').pop()
    return await startTelemetry({
      serviceName: packageName || 'unknown_service:node',
      logger: createLogger({ name: 'telemetry', level: LOG_LEVEL }),
    })
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err
    process.stderr.write(`${err.message}\n`)
    process.exit(1)
  }
}

/** The process-wide telemetry started by this entry; pass it to `runService` so spans are flushed on exit. */
export const telemetry: Telemetry = await start()
