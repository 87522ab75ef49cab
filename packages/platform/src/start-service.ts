import type { Logger } from 'pino'
import type { Static, TObject } from 'typebox'
import type { LogLevel } from './common-config.ts'
import { loadConfig } from './config.ts'
import { ConfigError } from './errors.ts'
import { createLogger } from './logger.ts'
import { isAddressInUse, type RunningService, type RunServiceOptions, runService } from './run-service.ts'
import type { Telemetry } from './telemetry.ts'

/** The variables `startService` itself reads: `commonConfig.logging` and `commonConfig.http(...)`. */
interface StartableConfig {
  LOG_LEVEL: LogLevel
  HOST: string
  PORT: number
  SHUTDOWN_TIMEOUT_MS: number
}

export interface StartServiceOptions<Schema extends TObject, Deps extends { close(): Promise<void> }> {
  /** Logger name, e.g. `ingest`. */
  name: string
  configSchema: Schema
  /** A check across variables: returns the one-line error to print, or undefined when the config is fine. */
  checkConfig?: (config: Static<Schema>) => string | undefined
  /** Opens pools, the bus and whatever else the app needs; `close()` runs as the app's last `onClose` hook. */
  open: (config: Static<Schema>, logger: Logger) => Promise<Deps>
  /** Builds the app from the opened dependencies; may add its own hooks. */
  build: (deps: Deps) => RunServiceOptions['app'] | Promise<RunServiceOptions['app']>
  /** Flushed on shutdown (`telemetry` from `@chargebus/platform/instrument`). */
  telemetry?: Pick<Telemetry, 'shutdown'>
}

/**
 * What every service's `main.ts` does: load the config (a bad variable prints one line and exits 1),
 * create the logger, open dependencies, build the app, then hand the process to `runService`.
 *
 * ### Examples
 * ```ts
 * await startService({ name: 'ingest', configSchema: IngestConfig, open: openIngestDependencies, build: buildApp, telemetry })
 * ```
 */
export async function startService<Schema extends TObject, Deps extends { close(): Promise<void> }>(
  options: StartServiceOptions<Schema, Deps> & {
    configSchema: Static<Schema> extends StartableConfig ? Schema : never
  },
): Promise<RunningService> {
  const config = loadServiceConfig(options)
  // Sound: the signature only accepts schemas whose Static type has these variables.
  const { LOG_LEVEL, HOST, PORT, SHUTDOWN_TIMEOUT_MS } = config as StartableConfig
  const logger = createLogger({ name: options.name, level: LOG_LEVEL })
  // `pnpm start` runs every service with its own port variable (API_PORT, ...) and says which one here.
  const portVariable = process.env.CHARGEBUS_PORT_VARIABLE || 'PORT'
  // `pnpm start --replicas` runs replica n of a service on its port + n - 1 (the service knows its default).
  const port = PORT === 0 ? 0 : PORT + replicaOffset()
  try {
    const deps = await options.open(config, logger)
    const app = await options.build(deps)
    app.addHook('onClose', () => deps.close())
    return await runService({
      app,
      host: HOST,
      port,
      logger,
      shutdownTimeoutMs: SHUTDOWN_TIMEOUT_MS,
      telemetry: options.telemetry,
    })
  } catch (err) {
    if (!isAddressInUse(err)) throw err
    // A busy port is an everyday mistake, not a crash: one line naming the variable to change, exit 1.
    const busy = err.port ?? port
    const variable = busy === port ? portVariable : portVariableOf(config, busy)
    const offset = busy === port ? port - PORT : 0
    const replica = offset > 0 ? ` (replica ${offset + 1} listens on it + ${offset})` : ''
    logger.fatal(
      `cannot listen: port ${busy} is in use${variable ? `; set ${variable} to a free port${replica}` : ''}`,
    )
    process.exit(1)
  }
}

/** `CHARGEBUS_PORT_OFFSET`, set by `pnpm start` for a service's second and later replicas; 0 otherwise. */
function replicaOffset(): number {
  const offset = Number(process.env.CHARGEBUS_PORT_OFFSET ?? 0)
  return Number.isSafeInteger(offset) && offset > 0 ? offset : 0
}

/** The variable whose value is `port` (FTP_PORT, ...), if any. */
function portVariableOf(config: object, port: number): string | undefined {
  return Object.entries(config).find(([key, value]) => key.endsWith('PORT') && value === port)?.[0]
}

function loadServiceConfig<Schema extends TObject>(
  options: Pick<StartServiceOptions<Schema, never>, 'configSchema' | 'checkConfig'>,
): Static<Schema> {
  let message: string | undefined
  try {
    const config = loadConfig(options.configSchema)
    message = options.checkConfig?.(config)
    if (message === undefined) return config
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err
    message = err.message
  }
  process.stderr.write(`${message}\n`)
  process.exit(1)
}
