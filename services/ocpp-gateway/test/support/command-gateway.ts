import { randomBytes, randomUUID } from 'node:crypto'
import type { CommandRow, Database, Kysely } from '@chargebus/db'
import { CommandRequested, type CommandUpdated, commandMsgId, type EventData } from '@chargebus/events'
import { testDb } from '../../../../test/support/database.ts'
import type { CommandDispatcher } from '../../src/commands/command-dispatcher.ts'
import { envelope, openAdmin, startTestGateway, type TestGateway } from './gateway.ts'

/*
 * A gateway with its command dispatcher running (real NATS, real Postgres through pgbouncer), plus helpers to
 * queue commands the way the API does (publish `command.requested`), act as a station towards the gateway
 * (BootNotification, Heartbeat with wsa:From = the station's ChargePointService) and read the results.
 */

/** Fast retries and redeliveries for tests; discovery off unless a test turns it on. */
export const COMMAND_TEST_ENV: Record<string, string> = {
  OCPP_COMMAND_RETRY_MS: '200,400,800',
  OCPP_COMMAND_WAKE_MIN_MS: '200',
  OCPP_COMMAND_ACK_WAIT_MS: '2000',
  OCPP_COMMAND_TIMEOUT_MS: '5000',
  OCPP_CAPABILITIES_DELAY_MS: '-1',
  OCPP_CENTRAL_SYSTEM_URL: 'http://127.0.0.1:3100',
}

export type CommandUpdate = EventData<typeof CommandUpdated>

export interface CommandGateway {
  gw: TestGateway
  dispatcher: CommandDispatcher
  db: Kysely<Database>
  namespace: string
  /** Publishes a command as the API would; returns its id. */
  queue(
    stationId: string,
    operation: string,
    payload: Record<string, unknown>,
    opts?: { ttlMs?: number; idempotencyKey?: string; commandId?: string; requestedAt?: Date },
  ): Promise<string>
  /** A station message through the real SOAP endpoint (its wsa:From is `from`). */
  boot(stationId: string, from: string, version?: '1.5' | '1.6'): Promise<void>
  heartbeat(stationId: string, from: string, version?: '1.5' | '1.6'): Promise<void>
  row(id: string): Promise<CommandRow | undefined>
  /** Waits until the command's row records `code` as its (last) error. */
  waitForError(id: string, code: string, timeoutMs?: number): Promise<CommandRow>
  /** Waits until the command's row has one of `statuses`. */
  waitFor(id: string, statuses: readonly string[], timeoutMs?: number): Promise<CommandRow>
  /** Every `command.updated` of the namespace, oldest first. */
  updates(): Promise<CommandUpdate[]>
  /** Stops the dispatcher only (the app and namespace stay: a restarted dispatcher can take over). */
  stopDispatcher(): Promise<void>
  close(): Promise<void>
}

export function uniqueStation(prefix = 'CP'): string {
  return `${prefix}-${randomBytes(4).toString('hex')}`
}

/**
 * ### Examples
 * ```ts
 * const cg = await startCommandGateway()
 * const id = await cg.queue('CP-1', 'Reset', { type: 'Soft' })
 * const row = await cg.waitFor(id, ['accepted'])
 * ```
 */
export async function startCommandGateway(
  env: Record<string, string> = {},
  opts: { namespace?: string } = {},
): Promise<CommandGateway> {
  const gw = await startTestGateway({ ...COMMAND_TEST_ENV, ...env }, opts)
  const dispatcher = gw.deps.commandDispatcher
  if (dispatcher === undefined)
    throw new Error('the gateway has no command dispatcher (OCPP_COMMANDS_ENABLED)')
  await dispatcher.start()
  const db = testDb({ poolSize: 2, applicationName: 'command-tests' })
  const admin = await openAdmin()
  const streamName = `${gw.namespace.toUpperCase()}_COMMANDS`

  async function stationMessage(stationId: string, from: string, version: '1.5' | '1.6', body: string) {
    const { xml } = envelope({ identity: stationId, version, body, from })
    const res = await gw.post(xml, { path: `/ocpp/${version}` })
    if (res.status !== 200) throw new Error(`station message refused: ${res.status} ${res.body}`)
  }

  async function row(id: string) {
    return db.selectFrom('commands').selectAll().where('id', '=', id).executeTakeFirst()
  }

  return {
    gw,
    dispatcher,
    db,
    namespace: gw.namespace,
    async queue(stationId, operation, payload, o = {}) {
      const commandId = o.commandId ?? randomUUID()
      const requestedAt = o.requestedAt ?? new Date()
      const data: EventData<typeof CommandRequested> = {
        commandId,
        stationId,
        operation,
        payload,
        requestedAt: requestedAt.toISOString(),
        origin: 'api',
      }
      if (o.ttlMs !== undefined) data.expiresAt = new Date(requestedAt.getTime() + o.ttlMs).toISOString()
      if (o.idempotencyKey !== undefined) data.idempotencyKey = o.idempotencyKey
      await gw.deps.bus.publish(CommandRequested, data, {
        msgId: commandMsgId(stationId, o.idempotencyKey, commandId),
      })
      return commandId
    },
    boot: (stationId, from, version = '1.6') =>
      stationMessage(
        stationId,
        from,
        version,
        '<cs:bootNotificationRequest><cs:chargePointVendor>ACME</cs:chargePointVendor>' +
          '<cs:chargePointModel>Fast-1</cs:chargePointModel></cs:bootNotificationRequest>',
      ),
    heartbeat: (stationId, from, version = '1.6') =>
      stationMessage(stationId, from, version, '<cs:heartbeatRequest/>'),
    row,
    async waitForError(id, code, timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs
      for (;;) {
        const r = await row(id)
        if (r?.error_code === code) return r
        if (Date.now() > deadline)
          throw new Error(
            `command ${id} never recorded ${code} (${r?.status}, last error ${r?.error_code ?? 'none'}, attempts ${r?.attempts})`,
          )
        await new Promise((res) => setTimeout(res, 50))
      }
    },
    async waitFor(id, statuses, timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs
      for (;;) {
        const r = await row(id)
        if (r && statuses.includes(r.status)) return r
        if (Date.now() > deadline)
          throw new Error(
            `command ${id} is ${r?.status ?? 'missing'} (${r?.error_code ?? ''}), not ${statuses}`,
          )
        await new Promise((res) => setTimeout(res, 50))
      }
    },
    async updates() {
      const info = await admin.jsm.streams.info(streamName)
      const out: CommandUpdate[] = []
      for (let seq = info.state.first_seq; seq <= info.state.last_seq && info.state.messages > 0; seq++) {
        const sm = await admin.jsm.streams.getMessage(streamName, { seq }).catch(() => null)
        if (sm?.header?.get('Chargebus-Event') === 'command.updated') out.push(sm.json<CommandUpdate>())
      }
      return out
    },
    stopDispatcher: () => dispatcher.stop(),
    async close() {
      await dispatcher.stop()
      await gw.close()
      await db.destroy()
      await admin.nc.close()
    },
  }
}
