import { parseArgs } from 'node:util'
import type { PublishResult } from '@chargebus/bus'
import { createDb } from '@chargebus/db'
import type { AnyEventDefinition } from '@chargebus/events'
import { consumerHandlers as ingestHandlers } from '@chargebus/ingest/admin'
import { loadConfig } from '@chargebus/platform'
import { pino } from 'pino'
import { usageError } from '../commands/events.ts'
import { DatabaseConfig } from '../config.ts'
import type { CommandContext } from '../context.ts'
import { InvalidInputError, UnknownHandlerError } from '../errors.ts'
import { progressReporter } from './publish.ts'
import { parseEvents, readText } from './read-events.ts'

/** The services whose consumer handlers tools may run, each through its `admin` export. */
const services = { ingest: ingestHandlers } as const

/**
 * `events invoke SERVICE CONSUMER`: the review loop. Validates stdin like `publish`, then calls the consumer's
 * handler (the service's own code) in the service's batch size against DATABASE_URL; what the handler publishes
 * is printed to stdout as JSON lines instead of reaching the bus.
 */
export async function invokeHandler(args: string[], ctx: CommandContext): Promise<number> {
  const { positionals, values } = parseArgs({
    args,
    options: { subject: { type: 'string' }, json: { type: 'boolean', default: false } },
    strict: true,
    allowPositionals: true,
  })
  const [serviceName, consumerName, ...extra] = positionals
  if (serviceName === undefined || consumerName === undefined || extra.length > 0)
    throw usageError('expected SERVICE CONSUMER')
  const handler = findHandler(serviceName, consumerName)
  const events = parseEvents(await readText(ctx.stdin), { subject: values.subject })
  for (const e of events) {
    if (!handler.events.includes(e.def)) {
      throw new InvalidInputError(
        `event ${e.index} is ${e.def.name}@${e.def.version}; ${serviceName} ${consumerName} handles ${names(handler.events)}`,
      )
    }
  }

  const { DATABASE_URL } = loadConfig(DatabaseConfig, ctx.env)
  const db = createDb({
    url: DATABASE_URL,
    poolSize: 2,
    applicationName: `chargebus-cli invoke ${serviceName}`,
  })
  let published = 0
  const publisher = {
    async publish(event: AnyEventDefinition, data: unknown, opts: { msgId: string }): Promise<PublishResult> {
      const subject = event.subjectOf(event.parse(data))
      ctx.stdout.write(
        `${JSON.stringify({ published: { event: event.name, version: event.version, subject, msgId: opts.msgId, data } })}\n`,
      )
      published++
      return { stream: event.stream.name, seq: 0, duplicate: false }
    },
  }
  try {
    const run = handler.create({
      env: ctx.env,
      db,
      publisher: publisher as never,
      logger: pino({ level: ctx.env.LOG_LEVEL ?? 'warn' }, pino.destination(2)),
    })
    const batchSize = handler.batchSize(ctx.env)
    const progress = progressReporter(ctx.stderr, events.length)
    for (let i = 0; i < events.length; i += batchSize) {
      const batch = events.slice(i, i + batchSize)
      await run(batch.map((e) => ({ data: e.data })))
      progress(i + batch.length)
    }
  } finally {
    await db.destroy()
  }
  const summary = { service: serviceName, consumer: consumerName, handled: events.length, published }
  ctx.stderr.write(
    values.json
      ? `${JSON.stringify({ summary })}\n`
      : `${serviceName} ${consumerName}: handled ${events.length} event(s), published ${published}\n`,
  )
  return 0
}

function findHandler(serviceName: string, consumerName: string) {
  const all = Object.entries(services).flatMap(([s, handlers]) =>
    Object.keys(handlers).map((c) => `${s} ${c}`),
  )
  const handlers = Object.hasOwn(services, serviceName)
    ? services[serviceName as keyof typeof services]
    : undefined
  const handler = handlers && Object.hasOwn(handlers, consumerName) ? handlers[consumerName] : undefined
  if (handler === undefined) {
    throw new UnknownHandlerError(`no handler ${serviceName} ${consumerName}; there are: ${all.join(', ')}`)
  }
  return handler
}

function names(events: readonly AnyEventDefinition[]): string {
  return events.map((e) => `${e.name}@${e.version}`).join(', ')
}
