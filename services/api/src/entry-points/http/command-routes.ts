import { randomUUID } from 'node:crypto'
import type { Bus } from '@chargebus/bus'
import { type CommandRecord, type CommandStore, isTerminal } from '@chargebus/command-store'
import { type Database, findFirmwareImage, type Kysely } from '@chargebus/db'
import {
  CommandRequested,
  CommandUpdated,
  commandMsgId,
  type EventData,
  TERMINAL_COMMAND_STATUSES,
} from '@chargebus/events'
import {
  type CommandOperation,
  commandRefusal,
  isPrivilegedCommand,
  maskCommandPayload,
} from '@chargebus/ocpp'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyReply } from 'fastify'
import { findCommandTarget } from '../../data-access/command-targets.ts'
import { uploadsOfCommand } from '../../data-access/command-uploads.ts'
import { hasScope } from '../../domain/api-keys.ts'
import {
  CommandApiError,
  CommandNotFound,
  CommandNotSupported,
  IdempotencyKeyReused,
  parseWait,
} from '../../domain/command-errors.ts'
import { decodeCursor, encodeCursor } from '../../domain/cursor.ts'
import { Forbidden, StationNotFound, ValidationFailed } from '../../domain/errors.ts'
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
} from './command-schemas.ts'
import { type CommandView, toCommandView, viewOfRequest } from './command-view.ts'
import { sendPage } from './pages.ts'
import { readResponses, responses, StationParams } from './schemas.ts'

export interface CommandRoutesOptions {
  db: Kysely<Database>
  commands: CommandStore
  /**
   * Publishes to the COMMANDS stream, reads a stored request back for a retried POST and hears
   * `command.updated` live while a request waits (`?wait`).
   */
  bus: Pick<Bus, 'publish' | 'getMessage' | 'listen'>
  clock: () => Date
  /** How often `?wait` reads the command again when no update was heard (a missed hint). Default 2 s. */
  waitPollMs?: number
}

const WAIT_POLL_MS = 2_000

/**
 * Commands to stations through the durable outbox: `POST /stations/{id}/commands` validates the payload
 * against the operation's OCPP 1.6 schema and the station's capabilities, records the command and publishes
 * `command.requested` on `cmd.<station>.<operation>` (Nats-Msg-Id from the idempotency key); the gateway's
 * dispatcher sends it and records the outcome. `GET /commands/{id}`, `GET /stations/{id}/commands` read it.
 */
export const commandRoutes: FastifyPluginAsyncTypebox<CommandRoutesOptions> = async (app, opts) => {
  const { db, commands, bus, clock } = opts
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
  /**
   * Until the command is final or `ms` passed: woken by the gateway's `command.updated` for this station
   * and operation (a live hint, so a slow read still happens now and then), one read per wake-up.
   */
  async function waitForFinal(
    id: string,
    target: { stationId: string; operation: string },
    ms: number,
  ): Promise<CommandRecord | undefined> {
    const deadline = performance.now() + ms
    let wake: (() => void) | undefined
    const stopListening = bus.listen(
      CommandUpdated,
      { station: target.stationId, operation: target.operation },
      (u) => {
        if (u.commandId === id && TERMINAL_COMMAND_STATUSES.includes(u.status)) wake?.()
      },
    )
    try {
      let record = await commands.get(id)
      while (record !== undefined && !isTerminal(record.status) && performance.now() < deadline) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, Math.min(pollMs, Math.max(deadline - performance.now(), 1)))
          wake = () => {
            clearTimeout(timer)
            resolve()
          }
        })
        record = await commands.get(id)
      }
      return record
    } finally {
      stopListening()
    }
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
          'commands are sent at most once. GetDiagnostics without a location uploads to the FTP edge with one-time credentials ' +
          '(the file appears under `uploads` of GET /v1/commands/{id}); UpdateFirmware takes a `location` or the `firmware` ' +
          'name of a catalogued image (400 if unknown), which the station downloads from the FTP edge with one-time credentials. ' +
          'UpdateFirmware, GetDiagnostics and ChangeConfiguration of AuthorizationKey need ' +
          'the admin scope (403 with write): they point a station at a file server or set its password.',
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
      if (isPrivilegedCommand(op, payload) && !hasScope(request.principal?.scopes ?? [], 'admin'))
        throw new Forbidden('admin')
      if (
        typeof payload.firmware === 'string' &&
        (await findFirmwareImage(db, payload.firmware)) === undefined
      )
        throw new ValidationFailed([
          { name: 'payload.firmware', reason: 'is not the name of an image in the firmware catalogue' },
        ])
      const refusal = commandRefusal(op, target)
      if (refusal !== undefined) throw new CommandNotSupported(stationId, refusal)

      const requestedAt = clock()
      const { created, record } = await commands.request({
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
        // The stored payload has its secrets masked: compare like with like.
        if (
          record.operation !== op ||
          canonical(record.payload) !== canonical(maskCommandPayload(op, payload))
        )
          throw new IdempotencyKeyReused(stationId, idempotencyKey ?? '')
      }

      let id = record.id
      // Publish unless the dispatcher has already seen it (a retry publishes again: stored once by Nats-Msg-Id).
      if (record.status === 'queued' && record.streamSeq === null) {
        const data: EventData<typeof CommandRequested> = {
          commandId: record.id,
          stationId,
          operation: op,
          // What was asked for, secrets included (the stored copy has them masked); the stream keeps it.
          payload,
          requestedAt: record.requestedAt.toISOString(),
          origin: 'api',
        }
        if (record.expiresAt !== null) data.expiresAt = record.expiresAt.toISOString()
        if (record.idempotencyKey !== null) data.idempotencyKey = record.idempotencyKey
        if (record.requestedBy !== null) data.requestedBy = record.requestedBy
        let ack: Awaited<ReturnType<typeof bus.publish>>
        try {
          ack = await bus.publish(CommandRequested, data, {
            msgId: commandMsgId(stationId, record.idempotencyKey ?? undefined, record.id),
          })
        } catch (err) {
          // Not queued: remove the row so it does not look queued forever (if the publish did get stored, the
          // dispatcher records the command itself). The client retries with the same key.
          if (created) await commands.forget(record.id).catch(() => {})
          throw err
        }
        if (ack.duplicate) {
          // An earlier request with this key is in the stream under another id (its row was removed after a
          // publish that looked failed): that one is the command.
          const stored = await bus.getMessage(ack.stream, ack.seq, CommandRequested)
          if (stored.data.commandId !== record.id) {
            if (created) await commands.forget(record.id)
            id = stored.data.commandId
            reply.header('idempotent-replayed', 'true')
            const existing = await commands.get(id)
            if (existing === undefined) return answer(reply, viewOfRequest(stored.data))
          }
        }
      }

      const wait = parseWait(request.query.wait, MAX_WAIT_MS)
      const current =
        wait === undefined
          ? await commands.get(id)
          : await waitForFinal(id, { stationId, operation: op }, wait)
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
      const record = await commands.get(request.params.commandId)
      if (record === undefined) throw new CommandNotFound(request.params.commandId)
      // Only GetDiagnostics gets upload credentials: no other command can have an upload to look up.
      const uploads = record.operation === 'GetDiagnostics' ? await uploadsOfCommand(db, record.id) : []
      return {
        ...toCommandView(record),
        uploads: uploads.map((u) => ({ ...u, receivedAt: u.receivedAt.toISOString() })),
      }
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
        const [at, id] = decodeCursor('commands', cursor, ['timestamp', 'uuid']) as [string, string]
        after = { at, id }
      }
      const { records, more } = await commands.list({ stationId, limit, status, after })
      const last = records.at(-1)
      const nextCursor =
        more && last !== undefined
          ? encodeCursor('commands', [last.requestedAt.toISOString(), last.id])
          : null
      return sendPage(request, reply, { items: records.map(toCommandView), nextCursor })
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
