import closeWithGrace from 'close-with-grace'
import type { FastifyInstance } from 'fastify'
import type { Logger } from 'pino'
import { ShutdownTimeoutError } from './errors.ts'
import type { Telemetry } from './telemetry.ts'

export interface RunServiceOptions {
  // biome-ignore lint/suspicious/noExplicitAny: any server, logger and type provider generics will do here
  app: FastifyInstance<any, any, any, any, any>
  host: string
  port: number
  logger: Logger
  /** Time a graceful shutdown may take before the process exits with 1. Default 10 s. */
  shutdownTimeoutMs?: number
  /** Flushed after the app closed, so spans of the last requests are not lost. */
  telemetry?: Pick<Telemetry, 'shutdown'>
}

export interface RunningService {
  /** The address the app listens on, e.g. `http://127.0.0.1:3000`. */
  readonly address: string
  /** Starts the same graceful shutdown a SIGTERM would; the process then exits with 0. */
  stop(): void
}

/**
 * Listens and owns the process lifecycle from then on. Why one function: every service must stop
 * the same way, or deploys drop requests and leak connections.
 *
 * On SIGTERM or SIGINT: `app.close()` stops accepting connections and runs `preClose` hooks (where
 * consumers stop taking messages), waits for in-flight requests, then runs `onClose` hooks (where
 * pools and the bus close); telemetry is flushed; exit 0. Requests arriving on open connections
 * meanwhile get 503. A second signal, or `shutdownTimeoutMs` passing, forces exit 1 with a log
 * line. An uncaught exception or unhandled rejection is logged as fatal and triggers the same
 * graceful shutdown, ending in exit 1.
 *
 * ### Examples
 * ```ts
 * // services/ingest/src/main.ts
 * const app = buildApp({ config, logger, db, bus })
 * await runService({ app, host: config.HOST, port: config.PORT, logger, shutdownTimeoutMs: config.SHUTDOWN_TIMEOUT_MS, telemetry })
 * ```
 */
export async function runService(options: RunServiceOptions): Promise<RunningService> {
  const { app, logger, telemetry } = options
  const shutdownTimeoutMs = options.shutdownTimeoutMs ?? 10_000

  const grace = closeWithGrace(
    {
      delay: shutdownTimeoutMs,
      logger: false,
      onSecondSignal: (signal) => logger.error({ signal }, 'second signal during shutdown, forcing exit'),
      onSecondError: (err) => logger.fatal({ err }, 'second error during shutdown, forcing exit'),
      onTimeout: () => logger.error({ err: new ShutdownTimeoutError(shutdownTimeoutMs) }, 'forcing exit'),
    },
    async ({ signal, err, manual }) => {
      if (err !== undefined) logger.fatal({ err }, 'uncaught error, shutting down')
      else logger.info({ signal: signal ?? (manual ? 'stop()' : 'event loop empty') }, 'shutting down')
      try {
        await app.close()
        await telemetry?.shutdown()
      } catch (closeErr) {
        logger.error({ err: closeErr }, 'shutdown failed')
        throw closeErr
      }
      logger.info('shut down')
    },
  )
  // A test or a caller that closes the app itself must not leave process-wide listeners behind.
  app.addHook('onClose', async () => grace.uninstall())

  try {
    const address = await app.listen({ host: options.host, port: options.port })
    return { address, stop: () => grace.close() }
  } catch (err) {
    grace.uninstall()
    // A busy port is the caller's one line to write (startService names the variable to change).
    if (!isAddressInUse(err)) logger.fatal({ err, host: options.host, port: options.port }, 'cannot listen')
    await app.close().catch(() => {})
    throw err
  }
}

/** A listen that failed because another process holds the address (EADDRINUSE). */
export function isAddressInUse(err: unknown): err is Error & { port?: number } {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === 'EADDRINUSE'
}
