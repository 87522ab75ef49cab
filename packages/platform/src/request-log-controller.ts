import { type FastifyReply, type FastifyRequest, LogController } from 'fastify'
import type { Logger } from 'pino'

/**
 * Fastify's request log lines, moved to debug: logging every request at info costs ~30% of the
 * throughput of a hot route. Errors a service did not expect (5xx) stay at error, so bugs are
 * never silent; client errors (4xx, 404 scans) go to debug with the rest.
 */
export class RequestLogController extends LogController {
  override incomingRequest(): void {
    // One line per request (on completion) is enough.
  }

  override requestCompleted(
    error: Error | null | undefined,
    request: FastifyRequest,
    reply: FastifyReply,
  ): void {
    if (error) {
      reply.log.error(
        { req: request, res: reply, err: error, responseTime: reply.elapsedTime },
        'request errored',
      )
      return
    }
    // Production runs above debug: build nothing for a line that is not written (`routeOptions` is a new
    // object on every read). The apps' loggers are pino's (`createServiceApp` takes one); any other logs as before.
    if ((reply.log as Partial<Pick<Logger, 'isLevelEnabled'>>).isLevelEnabled?.('debug') === false) return
    reply.log.debug(
      { req: request, res: reply, route: request.routeOptions.url, responseTime: reply.elapsedTime },
      'request completed',
    )
  }

  override defaultErrorLog(error: Error, request: FastifyRequest, reply: FastifyReply): void {
    if (reply.statusCode >= 500) reply.log.error({ req: request, res: reply, err: error }, error.message)
    else reply.log.debug({ res: reply, err: error }, error.message)
  }

  override routeNotFound(request: FastifyRequest): void {
    request.log.debug({ method: request.method, url: request.url }, 'route not found')
  }
}
