import { randomUUID } from 'node:crypto'
import type { Bus } from '@chargebus/bus'
import type { CommandRow, Database, Kysely } from '@chargebus/db'
import { CommandRequested, commandMsgId, type EventData } from '@chargebus/events'
import { type CommandOperation, commandRefusal } from '@chargebus/ocpp'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyReply } from 'fastify'
import {
  type CommandView,
  deleteUnpublished,
  findCommandTarget,
  getCommand,
  insertCommand,
  isTerminal,
  listCommands,
  toCommandView,
} from '../../data-access/commands-store.ts'
import {
  CommandApiError,
  CommandNotFound,
  CommandNotSupported,
  IdempotencyKeyReused,
  parseWait,
} from '../../domain/commands-errors.ts'
import { decodeCursor, encodeCursor } from '../../domain/cursor.ts'
import { StationNotFound, ValidationFailed } from '../../domain/errors.ts'
import { PROBLEM_CONTENT_TYPE, problemType } from '../../domain/problem.ts'
import { security } from './auth.ts'
import {
  CommandBody,
  CommandListQuery,
  CommandPage,
  CommandParams,
  CommandSchema,
  CommandWaitQuery,
  MAX_WAIT_MS,
  payloadErrors,
} from './commands-schemas.ts'
import { sendPage } from './pages.ts'
import { readResponses, responses, StationParams } from './schemas.ts'

export interface CommandRoutesOptions {
  db: Kysely<Database>
  /** Publishes to the COMMANDS stream (and reads a stored request back for a retried POST). */
  bus: Pick<Bus, 'publish' | 'getMessage'>
  clock: () => Date
  /** How often `?wait` looks at the command again. Default 100 ms. */
  waitPollMs?: number
}

const WAIT_POLL_MS = 100
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

/**
 * Commands to stations through the durable outbox: `POST /stations/{id}/commands` validates the payload
 * against the operation's OCPP 1.6 schema and the station's capabilities, records the command and publishes
 * `command.requested` on `cmd.<station>.<operation>` (Nats-Msg-Id from the idempotency key); the gateway's
 * dispatcher sends it and records the outcome. `GET /commands/{id}`, `GET /stations/{id}/commands` read it.
 */
export const commandRoutes: FastifyPluginAsyncTypebox<CommandRoutesOptions> = async (app, opts) => {
  const { db, bus, clock } = opts
  const pollMs = opts.waitPollMs ?? WAIT_POLL_MS

  // Our own codes as problem+json; everything else goes to the API's handler.
  app.setErrorHandler((err, request, reply) => {
    if (!(err instanceof CommandApiError)) throw err
    const q = request.url.indexOf('?')
    void reply
      .code(err.status)
      .type(PROBLEM_CONTENT_TYPE)
      .send({
        type: problemType(err.code),
        title: err.title,
        status: err.status,
        detail: err.message,
        instance: q === -1 ? request.url : request.url.slice(0, q),
        code: err.code,
      })
  })

  /** Polls until the command is final or `ms` passed. */
  async function waitForFinal(id: string, ms: number): Promise<CommandRow | undefined> {
    const deadline = performance.now() + ms
    let row = await getCommand(db, id)
    while (row !== undefined && !isTerminal(row.status) && performance.now() < deadline) {
      await new Promise((r) => setTimeout(r, Math.min(pollMs, Math.max(deadline - performance.now(), 1))))
      row = await getCommand(db, id)
    }
    return row
  }

  function answer(reply: FastifyReply, view: CommandView) {
    reply.header('location', `/v1/commands/${view.id}`)
    return reply.code(isTerminal(view.status) ? 200 : 202).send(view)
  }

  app.post(
    '/stations/:stationId/commands',
    {
      config: { scope: 'write' },
      schema: {
        tags: ['commands'],
        summary: 'Send a command to a station',
        description:
          'Queues an OCPP ChargePointService operation (all 19 of OCPP 1.6; the 15 of 1.5 for 1.5 stations) in the durable outbox. ' +
          'The payload is checked against the operation’s 1.6 request schema (400, nothing queued) and the station’s ' +
          'OCPP version and feature profiles (409, nothing queued). Answers 202 with the queued command, or 200 once it is ' +
          'final (`?wait`, or a retried request whose command finished). One command at a time per station, in order; ' +
          'commands are sent at most once.',
        security: security('write'),
        params: StationParams,
        querystring: CommandWaitQuery,
        body: CommandBody,
        response: responses({ 200: CommandSchema, 202: CommandSchema }),
      },
    },
    async (request, reply) => {
      const { stationId } = request.params
      const { operation, idempotencyKey, ttlSeconds } = request.body
      const payload = request.body.payload ?? {}
      const op = operation as CommandOperation

      const target = await findCommandTarget(db, stationId)
      if (target === undefined) throw new StationNotFound(stationId)
      const errors = payloadErrors(op, payload)
      if (errors.length > 0) throw new ValidationFailed(errors)
      const refusal = commandRefusal(op, target)
      if (refusal !== undefined) throw new CommandNotSupported(stationId, refusal)

      const requestedAt = clock()
      const { created, row } = await insertCommand(db, {
        id: randomUUID(),
        stationId,
        operation: op,
        payload,
        idempotencyKey,
        requestedBy: request.principal?.name ?? 'unknown',
        requestedAt,
        expiresAt: ttlSeconds === undefined ? undefined : new Date(requestedAt.getTime() + ttlSeconds * 1000),
      })
      if (!created) {
        reply.header('idempotent-replayed', 'true')
        if (row.operation !== op || canonical(row.payload) !== canonical(payload))
          throw new IdempotencyKeyReused(stationId, idempotencyKey ?? '')
      }

      let id = row.id
      // Publish unless the dispatcher has already seen it (a retry publishes again: stored once by Nats-Msg-Id).
      if (row.status === 'queued' && row.stream_seq === null) {
        const data: EventData<typeof CommandRequested> = {
          commandId: row.id,
          stationId,
          operation: op,
          payload: row.payload,
          requestedAt: row.requested_at.toISOString(),
          origin: 'api',
        }
        if (row.expires_at !== null) data.expiresAt = row.expires_at.toISOString()
        if (row.idempotency_key !== null) data.idempotencyKey = row.idempotency_key
        if (row.requested_by !== null) data.requestedBy = row.requested_by
        let ack: Awaited<ReturnType<typeof bus.publish>>
        try {
          ack = await bus.publish(CommandRequested, data, {
            msgId: commandMsgId(stationId, row.idempotency_key ?? undefined, row.id),
          })
        } catch (err) {
          // Not queued: remove the row so it does not look queued forever (if the publish did get stored, the
          // dispatcher records the command itself). The client retries with the same key.
          if (created) await deleteUnpublished(db, row.id).catch(() => {})
          throw err
        }
        if (ack.duplicate) {
          // An earlier request with this key is in the stream under another id (its row was removed after a
          // publish that looked failed): that one is the command.
          const stored = await bus.getMessage(ack.stream, ack.seq, CommandRequested)
          if (stored.data.commandId !== row.id) {
            if (created) await deleteUnpublished(db, row.id)
            id = stored.data.commandId
            reply.header('idempotent-replayed', 'true')
            const existing = await getCommand(db, id)
            if (existing === undefined) return answer(reply, viewOfRequest(stored.data))
          }
        }
      }

      const wait = parseWait(request.query.wait, MAX_WAIT_MS)
      const current = wait === undefined ? await getCommand(db, id) : await waitForFinal(id, wait)
      if (current === undefined) throw new CommandNotFound(id)
      return answer(reply, toCommandView(current))
    },
  )

  app.get(
    '/commands/:commandId',
    {
      config: { scope: 'read' },
      schema: {
        tags: ['commands'],
        summary: 'A command and the station’s answer',
        security: security('read'),
        params: CommandParams,
        response: readResponses({ 200: CommandSchema }),
      },
    },
    async (request) => {
      const row = await getCommand(db, request.params.commandId)
      if (row === undefined) throw new CommandNotFound(request.params.commandId)
      return toCommandView(row)
    },
  )

  app.get(
    '/stations/:stationId/commands',
    {
      config: { scope: 'read' },
      schema: {
        tags: ['commands'],
        summary: 'A station’s commands, newest first',
        security: security('read'),
        params: StationParams,
        querystring: CommandListQuery,
        response: readResponses({ 200: CommandPage }),
      },
    },
    async (request, reply) => {
      const { stationId } = request.params
      const { status, cursor } = request.query
      const limit = request.query.limit ?? 50
      if ((await findCommandTarget(db, stationId)) === undefined) throw new StationNotFound(stationId)
      let after: { at: string; id: string } | undefined
      if (cursor !== undefined) {
        const [at, id] = decodeCursor('commands', cursor, ['string', 'string']).map(String)
        if (at === undefined || id === undefined || Number.isNaN(Date.parse(at)) || !UUID.test(id))
          throw new ValidationFailed([{ name: 'cursor', reason: 'is not a cursor of this listing' }])
        after = { at, id }
      }
      const { rows, more } = await listCommands(db, { stationId, limit, status, ...(after ? { after } : {}) })
      const last = rows.at(-1)
      const nextCursor =
        more && last !== undefined
          ? encodeCursor('commands', [last.requested_at.toISOString(), last.id])
          : null
      return sendPage(request, reply, { items: rows.map(toCommandView), nextCursor })
    },
  )
}

/** JSON with object keys sorted (jsonb does not keep key order). */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(
          Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
        )
      : v,
  )
}

/** What a stored request says before the dispatcher recorded it. */
function viewOfRequest(r: EventData<typeof CommandRequested>): CommandView {
  return {
    id: r.commandId,
    stationId: r.stationId,
    operation: r.operation,
    status: 'queued',
    payload: r.payload,
    idempotencyKey: r.idempotencyKey ?? null,
    origin: r.origin,
    requestedBy: r.requestedBy ?? null,
    requestedAt: r.requestedAt,
    expiresAt: r.expiresAt ?? null,
    attempts: 0,
    ocppVersion: null,
    messageId: null,
    sentAt: null,
    completedAt: null,
    nextAttemptAt: null,
    response: null,
    error: null,
  }
}
