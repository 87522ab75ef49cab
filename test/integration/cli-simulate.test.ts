import type { AddressInfo } from 'node:net'
import { createServer } from 'node:net'
import { startTestGateway, type TestGateway } from '../../services/ocpp-gateway/test/support/gateway.ts'
import { type CommandContext, runCli } from '../../tools/cli/src/index.ts'

/* `chargebus simulate` in-process against the real gateway: JSON summary on stdout, exit code from failed calls. */

function capture() {
  const out: string[] = []
  const err: string[] = []
  const ctx: CommandContext = {
    env: {},
    stdout: { write: (t: string) => out.push(t) },
    stderr: { write: (t: string) => err.push(t) },
  }
  return { ctx, stdout: () => out.join(''), stderr: () => err.join('') }
}

let gw: TestGateway
let base: string
beforeAll(async () => {
  gw = await startTestGateway({ OCPP_AUTHORIZE_UNKNOWN: 'true' })
  await gw.app.listen({ host: '127.0.0.1', port: 0 })
  base = `http://127.0.0.1:${(gw.app.server.address() as AddressInfo).port}`
})
afterAll(() => gw?.close())

test('a burst of 20 stations: exit 0 and a JSON summary with every call answered', async () => {
  const run = capture()
  const code = await runCli(
    [
      'simulate',
      '--stations',
      '20',
      '--profile',
      'burst',
      '--url',
      `${base}/ocpp/1.6`,
      '--id-prefix',
      'CLI',
      '--concurrency',
      '8',
    ],
    run.ctx,
  )
  expect(run.stderr()).toContain('simulate: 20 stations (burst, OCPP 1.6)')
  expect(code).toBe(0)
  const summary = JSON.parse(run.stdout())
  expect(summary).toMatchObject({
    profile: 'burst',
    stations: 20,
    stationsUp: 20,
    failed: { total: 0, byReason: {} },
    sessions: { completed: 20 },
    calls: {
      total: 20 * 12,
      byOperation: {
        BootNotification: 20,
        Authorize: 20,
        StartTransaction: 20,
        MeterValues: 60,
        StopTransaction: 20,
        StatusNotification: 100,
      },
    },
    http: { maxSockets: 8 },
  })
  expect(summary.http.connectionsOpened).toBeLessThanOrEqual(8)
  expect(summary.latencyMs.StartTransaction.p99).toBeGreaterThanOrEqual(
    summary.latencyMs.StartTransaction.p50,
  )
  const stations = new Set((await gw.stored()).map((m) => m.data.stationId))
  expect(stations.size).toBe(20)
}, 30_000)

test('exit 1 when calls fail (nothing listens at the URL); the reasons are counted', async () => {
  const closed = createServer()
  await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r))
  const port = (closed.address() as AddressInfo).port
  await new Promise((r) => closed.close(r))
  const run = capture()
  const code = await runCli(
    [
      'simulate',
      '--stations',
      '2',
      '--profile',
      'burst',
      '--url',
      `http://127.0.0.1:${port}/ocpp/1.6`,
      '--duration',
      '1',
    ],
    run.ctx,
  )
  expect(code).toBe(1)
  const summary = JSON.parse(run.stdout())
  expect(summary.failed.byReason['BootNotification: ECONNREFUSED']).toBeGreaterThanOrEqual(2)
  expect(summary.stationsUp).toBe(0)
}, 30_000)

test.each([
  [['--profile', 'rush'], '--profile must be steady or burst'],
  [['--stations', '0'], '--stations must be an integer from 1 to 100000'],
  [['--listen', 'nowhere'], '--listen must be HOST:PORT'],
  [['--id-tag', 'TAG-LONGER-THAN-TWENTY'], '--id-tag must have 1 to 20 characters'],
])('usage error %j: exit 2', async (args, message) => {
  const run = capture()
  expect(await runCli(['simulate', ...args], run.ctx)).toBe(2)
  expect(run.stderr()).toContain(message)
})
