import { createServer, type Server } from 'node:http'
import type { CommandRow } from '@chargebus/db'
import { type CommandOperation, decodeCpRequest, encodeCpResponse } from '@chargebus/ocpp'
import { commandPayloads, expectedStatus, v15Operations } from '../../../../test/support/command-payloads.ts'
import { type CpServer, startCpServer } from '../../../../test/support/cp-server.ts'
import { eventually } from '../../../../test/support/eventually.ts'
import { type CommandGateway, startCommandGateway, uniqueStation } from '../support/command-gateway.ts'

/*
 * Every ChargePointService operation of OCPP 1.6 (19) and 1.5 (15) through the durable outbox, sent to the
 * independent cp_server.py (built from the OCA WSDLs): what the station received (operation,
 * chargeBoxIdentity in its namespace, WS-Addressing, XSD: no issues), what the audit row and the events say.
 */

const allOperations = Object.keys(commandPayloads) as CommandOperation[]
const v16Only = allOperations.filter((op) => !v15Operations.includes(op))

let cg: CommandGateway
beforeAll(async () => {
  cg = await startCommandGateway()
  await cg.db
    .insertInto('id_tags')
    .values([
      { id_tag: 'OPS-TAG-A', status: 'Accepted' },
      { id_tag: 'OPS-TAG-B', status: 'Blocked', expiry_date: '2030-01-01T00:00:00Z', parent_id_tag: 'FLEET' },
    ])
    .onConflict((oc) => oc.doNothing())
    .execute()
}, 20_000)
afterAll(() => cg?.close())

describe.each([
  ['1.6', allOperations],
  ['1.5', v15Operations],
] as const)('OCPP %s station', (version, operations) => {
  let cp: CpServer
  const station = uniqueStation(`OPS${version.replace('.', '')}`)
  beforeAll(async () => {
    cp = await startCpServer({ id: station, version })
    await cg.boot(station, `${cp.url}/ocpp/cp/${station}`, version)
  }, 20_000)
  afterAll(() => cp?.stop())

  test(`every operation (${operations.length}) reaches the station once, in order, without issues`, async () => {
    const ids: string[] = []
    for (const op of operations) ids.push(await cg.queue(station, op, commandPayloads[op]))
    const rows: CommandRow[] = []
    for (const id of ids) rows.push(await cg.waitFor(id, ['accepted', 'rejected', 'failed', 'expired']))

    const calls = cp.calls()
    expect(calls.map((c) => c.op)).toEqual(operations)
    for (const [i, call] of calls.entries()) {
      const op = operations[i] as CommandOperation
      const row = rows[i]
      expect({ op, issues: call.issues }).toEqual({ op, issues: [] })
      expect(call.chargeBoxIdentity).toBe(station)
      expect(call.soap).toBe('1.2')
      expect(call.action).toBe(`/${op}`)
      expect(call.to).toBe(`${cp.url}/ocpp/cp/${station}`)
      expect(call.reply_status).toBe(200)
      expect(row?.status).toBe(expectedStatus(op))
      expect(row?.message_id).toBe(call.messageId)
      expect(row?.attempts).toBe(1)
      expect(row?.ocpp_version).toBe(version)
      expect(row?.response).toBeTruthy()
    }
    // MessageIDs are fresh per call.
    expect(new Set(calls.map((c) => c.messageId)).size).toBe(calls.length)

    // The answers, in their 1.6 form.
    const byOp = Object.fromEntries(operations.map((op, i) => [op, rows[i]]))
    expect(byOp.UnlockConnector?.response).toEqual({ status: 'Unlocked' })
    expect(byOp.DataTransfer?.response).toEqual({ status: 'Accepted', data: 'hello' })
    expect(byOp.GetConfiguration?.response).toMatchObject({
      configurationKey: [{ key: 'HeartbeatInterval', readonly: false }],
      unknownKey: ['NoSuchKey'],
    })
    expect(byOp.GetDiagnostics?.response?.fileName).toMatch(/^diagnostics-/)

    // SendLocalList was built from id_tags, in the station's version.
    const sll = calls.find((c) => c.op === 'SendLocalList')?.request as Record<string, unknown>
    const listKey = version === '1.5' ? 'localAuthorisationList' : 'localAuthorizationList'
    expect(sll.updateType).toBe('Full')
    expect(Number(sll.listVersion)).toBeGreaterThanOrEqual(1)
    expect(JSON.stringify(sll[listKey])).toContain('OPS-TAG-B')

    // Events: sent, then the final status, for every command (the last one is published after its row).
    const statusesOf = (updates: Awaited<ReturnType<CommandGateway['updates']>>, id: string) =>
      updates.filter((u) => u.commandId === id).map((u) => u.status)
    await eventually(async () => {
      const updates = await cg.updates()
      return ids.every((id) => statusesOf(updates, id).length >= 2)
    })
    const updates = await cg.updates()
    for (const [i, id] of ids.entries()) expect(statusesOf(updates, id)).toEqual(['sent', rows[i]?.status])
  }, 20_000)

  if (version === '1.5') {
    test.each(v16Only)(
      '%s (1.6 only) is failed as unsupported and never sent',
      async (op) => {
        const before = cp.calls().length
        const id = await cg.queue(station, op, commandPayloads[op])
        const row = await cg.waitFor(id, ['failed'])
        expect(row.error_code).toBe('COMMAND_ERR_UNSUPPORTED')
        expect(row.message_id).toBeNull()
        expect(cp.calls()).toHaveLength(before)
      },
      20_000,
    )
  }
})

describe('a station that answers in ISO-8859-1', () => {
  let server: Server
  let port: number
  beforeAll(async () => {
    // An 8-bit station stack: the answer is encoded and labelled ISO-8859-1, with an umlaut in it.
    server = createServer((req, res) => {
      const chunks: Buffer[] = []
      req.on('data', (c: Buffer) => chunks.push(c))
      req.on('end', () => {
        const call = decodeCpRequest(Buffer.concat(chunks).toString('utf8'))
        const answer = encodeCpResponse({
          soapVersion: call.soapVersion,
          ocppVersion: '1.6',
          operation: 'DataTransfer',
          payload: { status: 'Accepted', data: 'Grüße aus der Säule' },
          relatesTo: call.addressing.messageId,
        })
        const latin1 = answer.body.replace(/^<\?xml[^>]*\?>/, '<?xml version="1.0" encoding="ISO-8859-1"?>')
        res.writeHead(200, { 'content-type': 'application/soap+xml; charset=ISO-8859-1' })
        res.end(Buffer.from(latin1, 'latin1'))
      })
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    port = (server.address() as { port: number }).port
  })
  afterAll(async () => {
    server?.closeAllConnections()
    await new Promise((r) => server?.close(r))
  })

  test('is read as sent: the response keeps its umlauts', async () => {
    const station = uniqueStation()
    await cg.boot(station, `http://127.0.0.1:${port}/ocpp/cp/${station}`)
    const id = await cg.queue(station, 'DataTransfer', { vendorId: 'ACME', messageId: 'hello' })
    const row = await cg.waitFor(id, ['accepted', 'rejected', 'failed', 'expired'])
    expect(row).toMatchObject({
      status: 'accepted',
      response: { status: 'Accepted', data: 'Grüße aus der Säule' },
    })
  }, 20_000)
})
