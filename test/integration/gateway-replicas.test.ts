import type { CommandRow } from '@chargebus/db'
import { type Command, startCpServer } from '@chargebus/simulator'
import {
  type CommandGateway,
  startCommandGateway,
  uniqueStation,
} from '../../services/ocpp-gateway/test/support/command-gateway.ts'
import { quietPort } from '../support/cp-server.ts'
import { eventually } from '../support/eventually.ts'

/*
 * Two gateway replicas, each with its command dispatcher, in one bus namespace (one COMMANDS stream, one
 * durable consumer) and one database: the way ECS runs N gateway tasks behind the load balancer. Stations are
 * called at the address they send (wsa:From), so whichever replica took a command can deliver it; the station
 * answers on the simulator's ChargePointService endpoint, which counts every call it gets.
 */

const terminal = ['accepted', 'rejected', 'failed', 'expired']
// Slow retries: a quick delivery can only come from a station's message waking the dispatcher. Capability
// discovery on: every replica hears every boot.
const env = {
  OCPP_COMMAND_RETRY_MS: '60000',
  OCPP_COMMAND_MAX_PENDING: '4',
  OCPP_CAPABILITIES_DELAY_MS: '200',
}

let a: CommandGateway
let b: CommandGateway
const calls: Array<{ stationId: string; operation: string; key?: string }> = []
let station: Awaited<ReturnType<typeof startCpServer>>

beforeAll(async () => {
  station = await startCpServer({
    host: '127.0.0.1',
    port: 0,
    ocppVersion: '1.6',
    onCommand(stationId: string, command: Command) {
      if (command.operation === 'ChangeConfiguration') {
        calls.push({ stationId, operation: command.operation, key: command.payload.key })
        return { status: 'Accepted' }
      }
      calls.push({ stationId, operation: command.operation })
      if (command.operation === 'GetConfiguration') return { configurationKey: [], unknownKey: [] }
      return undefined
    },
  })
  a = await startCommandGateway(env)
}, 30_000)
afterAll(async () => {
  await b?.close()
  await a?.close()
  await station?.close()
})

/** `chargebus_bus_consumed_total` of the dispatcher's durable in one replica's /metrics. */
async function commandsConsumed(cg: CommandGateway): Promise<number> {
  const res = await cg.gw.app.inject({ method: 'GET', url: '/metrics' })
  return res.body
    .split('\n')
    .filter((l) => l.startsWith('chargebus_bus_consumed_total{') && l.includes('ocpp-gateway-commands'))
    .reduce((sum, l) => sum + Number(l.slice(l.lastIndexOf(' ') + 1)), 0)
}

const keysOf = (stationId: string) =>
  calls.filter((c) => c.stationId === stationId && c.key !== undefined).map((c) => c.key)
const discoveries = (stationId: string) =>
  calls.filter((c) => c.stationId === stationId && c.operation === 'GetConfiguration').length

test('a command held by one replica is delivered at once when its station speaks to the other', async () => {
  // Only replica A runs: the station booted with an address where nothing listens, so A holds its commands.
  const id = uniqueStation('REP')
  const gone = `http://127.0.0.1:${await quietPort()}/cp/${id}`
  await a.boot(id, gone)
  const first = await a.queue(id, 'ChangeConfiguration', { key: 'W1', value: '1' })
  const second = await a.queue(id, 'ChangeConfiguration', { key: 'W2', value: '2' })
  await a.waitForError(first, 'COMMAND_ERR_UNREACHABLE')
  b = await startCommandGateway(env, { namespace: a.namespace })

  // Back at its real address, the station talks to B only, and not with a boot (every replica hears boots).
  const back = Date.now()
  await b.heartbeat(id, station.urlOf(id))
  const rows = [await a.waitFor(first, terminal, 10_000), await a.waitFor(second, terminal, 10_000)]
  expect(Date.now() - back).toBeLessThan(10_000) // not the 60 s retry
  expect(rows.map((r) => r.status)).toEqual(['accepted', 'accepted'])
  expect(rows.map((r) => r.endpoint_url)).toEqual([station.urlOf(id), station.urlOf(id)])
  expect(keysOf(id)).toEqual(['W1', 'W2'])
}, 30_000)

test('with both replicas dispatching, every command is delivered once, in order per station', async () => {
  const stations = Array.from({ length: 6 }, () => uniqueStation('REP'))
  // Half the stations talk to A, half to B (a load balancer's choice).
  for (const [i, id] of stations.entries()) await (i % 2 ? b : a).boot(id, station.urlOf(id))
  const consumedBefore = [await commandsConsumed(a), await commandsConsumed(b)]
  const keys = ['K1', 'K2', 'K3', 'K4']
  const ids = new Map<string, string[]>()
  for (const key of keys)
    for (const [i, id] of stations.entries()) {
      const commandId = await (i % 2 ? a : b).queue(id, 'ChangeConfiguration', { key, value: id })
      ids.set(id, [...(ids.get(id) ?? []), commandId])
    }

  for (const id of stations) {
    const rows: CommandRow[] = []
    for (const commandId of ids.get(id) ?? []) rows.push(await a.waitFor(commandId, terminal, 20_000))
    expect(rows.map((r) => r.status)).toEqual(['accepted', 'accepted', 'accepted', 'accepted'])
    // One call at a time: each went out after the previous one of its station was answered.
    for (let n = 1; n < rows.length; n++)
      expect(rows[n]?.sent_at?.getTime()).toBeGreaterThanOrEqual(rows[n - 1]?.completed_at?.getTime() ?? 0)
    expect(keysOf(id)).toEqual(keys) // once each, in the order requested
  }
  // Both replicas took commands from the shared durable consumer.
  const consumed = [
    (await commandsConsumed(a)) - (consumedBefore[0] ?? 0),
    (await commandsConsumed(b)) - (consumedBefore[1] ?? 0),
  ]
  expect(consumed.every((n) => n > 0)).toBe(true)
  expect((consumed[0] ?? 0) + (consumed[1] ?? 0)).toBeGreaterThanOrEqual(stations.length * keys.length)
  // Both replicas heard each boot and queued a GetConfiguration: one command per station, sent once.
  let asked: Array<{ station_id: string; status: string }> = []
  await eventually(async () => {
    asked = await a.db
      .selectFrom('commands')
      .select(['station_id', 'status'])
      .where('station_id', 'in', stations)
      .where('operation', '=', 'GetConfiguration')
      .execute()
    return asked.length >= stations.length && asked.every((r) => terminal.includes(r.status))
  })
  expect(asked.map((r) => r.station_id).sort()).toEqual([...stations].sort())
  for (const id of stations) expect(discoveries(id)).toBe(1)
}, 60_000)
