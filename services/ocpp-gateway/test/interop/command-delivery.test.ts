import { randomUUID } from 'node:crypto'
import { createServer, type Server } from 'node:http'
import type { CommandRow } from '@chargebus/db'
import { commandPayloads } from '../../../../test/support/command-payloads.ts'
import { quietPort, startCpServer } from '../../../../test/support/cp-server.ts'
import {
  COMMAND_TEST_ENV,
  type CommandGateway,
  startCommandGateway,
  uniqueStation,
} from '../support/command-gateway.ts'
import { envelope, startTestGateway, type TestGateway } from '../support/gateway.ts'

/*
 * The guarantees of the outbox, against the real cp_server.py: expired commands are never sent, an
 * unreachable station is retried and served as soon as it speaks again, a station's commands go one at a time
 * in order while other stations proceed, a restarted dispatcher loses nothing and sends nothing twice, and a
 * command whose outcome is unknown is never resent.
 */

const terminal = ['accepted', 'rejected', 'failed', 'expired']
const cpUrl = (port: number, station: string) => `http://127.0.0.1:${port}/ocpp/cp/${station}`
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

describe('expiry', () => {
  let cg: CommandGateway
  beforeAll(async () => {
    cg = await startCommandGateway()
  }, 20_000)
  afterAll(() => cg?.close())

  test('a command that expires while its station is unreachable is expired and never sent', async () => {
    const station = uniqueStation()
    const port = await quietPort()
    await cg.boot(station, cpUrl(port, station))
    const id = await cg.queue(station, 'Reset', { type: 'Soft' }, { ttlMs: 1500 })
    const waiting = await cg.waitFor(id, ['queued'])
    expect(waiting.expires_at?.getTime()).toBe(Date.parse(waiting.requested_at.toISOString()) + 1500)
    const row = await cg.waitFor(id, ['expired'], 10_000)
    expect(row.error_code).toBe('COMMAND_ERR_EXPIRED')
    expect(row.attempts).toBeGreaterThanOrEqual(1) // it was tried while the station was down

    const cp = await startCpServer({ id: station, port })
    try {
      await cg.heartbeat(station, cpUrl(port, station))
      await sleep(500)
      expect(cp.calls()).toEqual([])
    } finally {
      await cp.stop()
    }
    const updates = (await cg.updates()).filter((u) => u.commandId === id)
    expect(updates.at(-1)).toMatchObject({ status: 'expired', error: { code: 'COMMAND_ERR_EXPIRED' } })
  }, 20_000)

  test('an already expired command is expired without any attempt', async () => {
    const station = uniqueStation()
    const cp = await startCpServer({ id: station })
    try {
      await cg.boot(station, cpUrl(cp.port, station))
      const id = await cg.queue(
        station,
        'Reset',
        { type: 'Hard' },
        {
          requestedAt: new Date(Date.now() - 10_000),
          ttlMs: 1000,
        },
      )
      const row = await cg.waitFor(id, terminal)
      expect(row.status).toBe('expired')
      expect(row.attempts).toBe(0)
      expect(cp.calls()).toEqual([])
    } finally {
      await cp.stop()
    }
  }, 20_000)
})

describe('an unreachable station', () => {
  let cg: CommandGateway
  beforeAll(async () => {
    // Retries so slow that only the station's own message can explain a quick delivery.
    cg = await startCommandGateway({ OCPP_COMMAND_RETRY_MS: '60000' })
  }, 20_000)
  afterAll(() => cg?.close())

  test('gets its pending commands, in order, as soon as it contacts the central system again', async () => {
    const station = uniqueStation()
    const port = await quietPort()
    await cg.boot(station, cpUrl(port, station))
    const ids = [
      await cg.queue(station, 'ChangeAvailability', commandPayloads.ChangeAvailability),
      await cg.queue(station, 'UnlockConnector', commandPayloads.UnlockConnector),
      await cg.queue(station, 'Reset', commandPayloads.Reset),
    ]
    const tried = await cg.waitForError(ids[0] as string, 'COMMAND_ERR_UNREACHABLE')
    expect(tried).toMatchObject({ status: 'queued', attempts: 1 })
    expect(tried.next_attempt_at?.getTime()).toBeGreaterThan(Date.now() + 30_000)

    // Other stations are not held up by it.
    const other = uniqueStation()
    const otherCp = await startCpServer({ id: other })
    try {
      await cg.boot(other, cpUrl(otherCp.port, other))
      const otherId = await cg.queue(other, 'ClearCache', {})
      expect((await cg.waitFor(otherId, terminal)).status).toBe('accepted')
    } finally {
      await otherCp.stop()
    }

    const cp = await startCpServer({ id: station, port })
    try {
      const back = Date.now()
      await cg.heartbeat(station, cpUrl(port, station))
      const rows: CommandRow[] = []
      for (const id of ids) rows.push(await cg.waitFor(id, terminal, 10_000))
      expect(Date.now() - back).toBeLessThan(10_000) // not the 60 s retry
      expect(rows.map((r) => r.status)).toEqual(['accepted', 'accepted', 'accepted'])
      expect(rows.map((r) => r.attempts)).toEqual([2, 1, 1])
      const calls = cp.calls()
      expect(calls.map((c) => c.op)).toEqual(['ChangeAvailability', 'UnlockConnector', 'Reset'])
      expect(calls.every((c) => c.issues.length === 0 && c.chargeBoxIdentity === station)).toBe(true)
    } finally {
      await cp.stop()
    }
    const statuses = (await cg.updates()).filter((u) => u.commandId === ids[0]).map((u) => u.status)
    expect(statuses).toEqual(['sent', 'queued', 'sent', 'accepted'])
  }, 20_000)

  test('without a known address waits for the station to boot', async () => {
    const station = uniqueStation()
    const id = await cg.queue(station, 'TriggerMessage', commandPayloads.TriggerMessage)
    for (let i = 0; i < 60 && (await cg.row(id))?.error_code !== 'COMMAND_ERR_NO_ENDPOINT'; i++)
      await sleep(50)
    expect(await cg.row(id)).toMatchObject({
      status: 'queued',
      attempts: 0,
      error_code: 'COMMAND_ERR_NO_ENDPOINT',
    })
    const cp = await startCpServer({ id: station })
    try {
      await cg.boot(station, cpUrl(cp.port, station))
      expect((await cg.waitFor(id, terminal, 10_000)).status).toBe('accepted')
      expect(cp.calls().map((c) => c.op)).toEqual(['TriggerMessage'])
    } finally {
      await cp.stop()
    }
  }, 20_000)
})

describe('a station that talks to another gateway replica', () => {
  let cg: CommandGateway
  let replica: TestGateway
  beforeAll(async () => {
    // Retries so slow that only the station's own message can explain a quick delivery.
    cg = await startCommandGateway({ OCPP_COMMAND_RETRY_MS: '60000' })
    // A second replica in the same namespace, without a dispatcher: the station only ever talks to it.
    replica = await startTestGateway(
      { ...COMMAND_TEST_ENV, OCPP_COMMANDS_ENABLED: 'false' },
      { namespace: cg.namespace },
    )
  }, 20_000)
  afterAll(async () => {
    await replica?.close()
    await cg?.close()
  })

  test('gets its waiting commands as soon as it speaks to any replica', async () => {
    const station = uniqueStation()
    const id = await cg.queue(station, 'Reset', commandPayloads.Reset)
    for (let i = 0; i < 60 && (await cg.row(id))?.error_code !== 'COMMAND_ERR_NO_ENDPOINT'; i++)
      await sleep(50)
    expect(await cg.row(id)).toMatchObject({ status: 'queued', error_code: 'COMMAND_ERR_NO_ENDPOINT' })

    const cp = await startCpServer({ id: station })
    try {
      const back = Date.now()
      const boot =
        '<cs:bootNotificationRequest><cs:chargePointVendor>ACME</cs:chargePointVendor>' +
        '<cs:chargePointModel>Fast-1</cs:chargePointModel></cs:bootNotificationRequest>'
      const { xml } = envelope({
        identity: station,
        version: '1.6',
        body: boot,
        from: cpUrl(cp.port, station),
      })
      expect((await replica.post(xml)).status).toBe(200)
      const row = await cg.waitFor(id, terminal, 10_000)
      expect(Date.now() - back).toBeLessThan(10_000) // not the 60 s retry
      expect(row.status).toBe('accepted')
      expect(cp.calls().map((c) => c.op)).toEqual(['Reset'])
    } finally {
      await cp.stop()
    }
  }, 20_000)
})

describe('per-station order', () => {
  let cg: CommandGateway
  beforeAll(async () => {
    cg = await startCommandGateway({ OCPP_COMMAND_CONCURRENCY: '4' })
  }, 20_000)
  afterAll(() => cg?.close())

  test('one call in flight per station, in the order requested, while stations run side by side', async () => {
    const stations = [uniqueStation('ORD'), uniqueStation('ORD'), uniqueStation('ORD')]
    const servers = await Promise.all(stations.map((id) => startCpServer({ id })))
    try {
      for (const [i, s] of stations.entries()) await cg.boot(s, cpUrl(servers[i]?.port as number, s))
      const keys = ['K1', 'K2', 'K3', 'K4', 'K5', 'K6']
      const ids = new Map<string, string[]>()
      for (const key of keys) {
        for (const s of stations) {
          const id = await cg.queue(s, 'ChangeConfiguration', { key, value: s })
          ids.set(s, [...(ids.get(s) ?? []), id])
        }
      }
      for (const [i, s] of stations.entries()) {
        const rows: CommandRow[] = []
        for (const id of ids.get(s) ?? []) rows.push(await cg.waitFor(id, terminal))
        expect(rows.every((r) => r.status === 'accepted')).toBe(true)
        // Each call started after the previous one of the station finished.
        for (let n = 1; n < rows.length; n++)
          expect(
            (rows[n]?.sent_at?.getTime() ?? 0) >= (rows[n - 1]?.completed_at?.getTime() ?? Infinity),
          ).toBe(true)
        const calls = servers[i]?.calls() ?? []
        expect(calls.map((c) => c.request.key)).toEqual(keys)
        expect(calls.every((c) => c.chargeBoxIdentity === s && c.issues.length === 0)).toBe(true)
      }
    } finally {
      await Promise.all(servers.map((cp) => cp.stop()))
    }
  }, 20_000)
})

describe('a dispatcher restart with commands queued', () => {
  test('loses none and sends none twice', async () => {
    const first = await startCommandGateway({ OCPP_COMMAND_RETRY_MS: '60000' })
    let second: CommandGateway | undefined
    try {
      const station = uniqueStation('RST')
      const port = await quietPort()
      await first.boot(station, cpUrl(port, station))
      const ids = []
      for (const type of ['Soft', 'Hard']) ids.push(await first.queue(station, 'Reset', { type }))
      ids.push(await first.queue(station, 'ClearCache', {}))
      const tried = await first.waitForError(ids[0] as string, 'COMMAND_ERR_UNREACHABLE')
      expect(tried).toMatchObject({ status: 'queued', attempts: 1 })

      await first.stopDispatcher()
      // Nothing was lost: the commands are still queued (and still in the stream, not acked).
      for (const id of ids) expect((await first.row(id))?.status).toBe('queued')

      second = await startCommandGateway({ OCPP_COMMAND_RETRY_MS: '60000' }, { namespace: first.namespace })
      // The new dispatcher holds the commands before the station is heard of again: it knows no address for it
      // (its memory is new, and no ingest records one here), so it waits. A heartbeat sent earlier would reach
      // nobody following the station and leave the commands to the 60 s retry.
      await second.waitForError(ids[0] as string, 'COMMAND_ERR_NO_ENDPOINT')
      const cp = await startCpServer({ id: station, port })
      try {
        await second.heartbeat(station, cpUrl(port, station))
        const rows: CommandRow[] = []
        for (const id of ids) rows.push(await second.waitFor(id, terminal, 15_000))
        expect(rows.map((r) => r.status)).toEqual(['accepted', 'accepted', 'accepted'])
        await sleep(2500) // past the ack wait: nothing is redelivered and sent again
        const calls = cp.calls()
        expect(calls.map((c) => `${c.op}:${c.request.type ?? ''}`)).toEqual([
          'Reset:Soft',
          'Reset:Hard',
          'ClearCache:',
        ])
        expect(calls.map((c) => c.messageId)).toEqual(rows.map((r) => r.message_id))
      } finally {
        await cp.stop()
      }
    } finally {
      await second?.close()
      await first.close()
    }
  }, 40_000)
})

describe('at most once', () => {
  let cg: CommandGateway
  let hanging: Server
  let hangingPort: number
  let received = 0
  beforeAll(async () => {
    cg = await startCommandGateway({ OCPP_COMMAND_TIMEOUT_MS: '800' })
    hanging = createServer(() => {
      received++ // reads the call, never answers
    })
    await new Promise<void>((resolve) => hanging.listen(0, '127.0.0.1', resolve))
    hangingPort = (hanging.address() as { port: number }).port
  }, 20_000)
  afterAll(async () => {
    hanging?.closeAllConnections()
    await new Promise((r) => hanging?.close(r))
    await cg?.close()
  }, 20_000)

  test('a call without an answer in time is failed and not sent again', async () => {
    const station = uniqueStation()
    await cg.boot(station, cpUrl(hangingPort, station))
    const id = await cg.queue(station, 'RemoteStartTransaction', commandPayloads.RemoteStartTransaction)
    const row = await cg.waitFor(id, terminal)
    expect(row).toMatchObject({ status: 'failed', attempts: 1, error_code: 'COMMAND_ERR_TIMEOUT' })
    await sleep(2500)
    expect(received).toBe(1)
  }, 20_000)

  test('a command recorded as sent before a restart is failed as outcome unknown, never resent', async () => {
    const station = uniqueStation()
    const cp = await startCpServer({ id: station })
    try {
      await cg.boot(station, cpUrl(cp.port, station))
      const commandId = randomUUID()
      // What a dispatcher that died between sending and recording the answer leaves behind.
      await cg.db
        .insertInto('commands')
        .values({
          id: commandId,
          station_id: station,
          operation: 'RemoteStartTransaction',
          payload: JSON.stringify(commandPayloads.RemoteStartTransaction),
          status: 'sent',
          requested_at: new Date(),
          attempts: 1,
          message_id: 'urn:uuid:sent-before-the-crash',
        })
        .execute()
      await cg.queue(station, 'RemoteStartTransaction', commandPayloads.RemoteStartTransaction, { commandId })
      const row = await cg.waitFor(commandId, terminal)
      expect(row).toMatchObject({ status: 'failed', error_code: 'COMMAND_ERR_OUTCOME_UNKNOWN', attempts: 1 })
      expect(cp.calls()).toEqual([])
      const updates = (await cg.updates()).filter((u) => u.commandId === commandId)
      expect(updates.map((u) => u.status)).toEqual(['failed'])
    } finally {
      await cp.stop()
    }
  }, 20_000)

  test('a request stored twice (same Nats-Msg-Id) is sent once', async () => {
    const station = uniqueStation()
    const cp = await startCpServer({ id: station })
    try {
      await cg.boot(station, cpUrl(cp.port, station))
      const commandId = randomUUID()
      await cg.queue(station, 'Reset', { type: 'Soft' }, { commandId, idempotencyKey: 'once' })
      await cg.queue(station, 'Reset', { type: 'Soft' }, { commandId: randomUUID(), idempotencyKey: 'once' })
      await cg.waitFor(commandId, terminal)
      await sleep(500)
      expect(cp.calls()).toHaveLength(1)
      const rows = await cg.db.selectFrom('commands').selectAll().where('station_id', '=', station).execute()
      expect(rows.map((r) => r.id)).toEqual([commandId])
    } finally {
      await cp.stop()
    }
  }, 20_000)
})
