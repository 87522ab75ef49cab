import type { AddressInfo } from 'node:net'
import { createServer } from 'node:net'
import { startTestGateway, type TestGateway } from '../../services/ocpp-gateway/test/support/gateway.ts'
import { type CommandContext, runCli } from '../../tools/cli/src/index.ts'

/*
 * `chargebus simulate` in-process against the real gateway (which accepts only the tags it knows): JSON summary
 * on stdout, what went wrong on stderr, exit code from failed calls, refused or missing sessions.
 */

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
  gw = await startTestGateway({ OCPP_AUTHORIZE_UNKNOWN: 'false' })
  await gw.app.listen({ host: '127.0.0.1', port: 0 })
  base = `http://127.0.0.1:${(gw.app.server.address() as AddressInfo).port}`
})
afterAll(() => gw?.close())

test('a burst of 20 stations registers its tag (saying so): exit 0 and a JSON summary with every call answered', async () => {
  const run = capture()
  const code = await runCli(
    [
      'simulate',
      '--namespace',
      gw.namespace,
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
  expect(run.stderr()).toContain('simulate: registered id tag SIM-TAG as Accepted (development')
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

test('a tag the gateway does not know: sessions refused, reported with the fix, exit 1 (no registration asked)', async () => {
  const run = capture()
  const code = await runCli(
    [
      'simulate',
      ...['--namespace', gw.namespace, '--no-register-tag', '--id-tag', 'UNKNOWN-TAG'],
      ...['--stations', '3', '--profile', 'burst', '--url', `${base}/ocpp/1.6`, '--id-prefix', 'REF'],
    ],
    run.ctx,
  )
  expect(code).toBe(1)
  expect(JSON.parse(run.stdout()).sessions).toMatchObject({ completed: 0, refused: { Invalid: 3 } })
  expect(run.stderr()).not.toContain('registered id tag')
  expect(run.stderr()).toContain(
    'simulate: REFUSED 3 sessions (Invalid 3): the gateway does not accept id tag UNKNOWN-TAG; fix: pnpm chargebus id-tags add UNKNOWN-TAG',
  )
}, 30_000)

test('--expect-sessions more than the run completes: exit 1 with a line saying so', async () => {
  const run = capture()
  const code = await runCli(
    [
      'simulate',
      ...['--namespace', gw.namespace, '--expect-sessions', '3'],
      ...['--stations', '2', '--profile', 'burst', '--url', `${base}/ocpp/1.6`, '--id-prefix', 'EXP'],
    ],
    run.ctx,
  )
  expect(JSON.parse(run.stdout()).sessions.completed).toBe(2)
  expect(run.stderr()).toContain('simulate: 2 sessions completed, expected at least 3')
  expect(code).toBe(1)
}, 30_000)

test('nothing listens at the URL: one line naming the URL and the fix, exit 1, no station started', async () => {
  const closed = createServer()
  await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r))
  const port = (closed.address() as AddressInfo).port
  await new Promise((r) => closed.close(r))
  const run = capture()
  const code = await runCli(
    ['simulate', '--stations', '2', '--profile', 'burst', '--url', `http://127.0.0.1:${port}/ocpp/1.6`],
    run.ctx,
  )
  expect(code).toBe(1)
  expect(run.stdout()).toBe('')
  expect(run.stderr()).toBe(
    `chargebus simulate: the OCPP gateway does not answer at http://127.0.0.1:${port}/ocpp/1.6 (ECONNREFUSED): start the stack with pnpm start, or pass --url\n`,
  )
})

test.each([
  [['--profile', 'rush'], '--profile must be steady or burst'],
  [['--stations', '0'], '--stations must be an integer from 1 to 100000'],
  [['--listen', 'nowhere'], '--listen must be HOST:PORT'],
  [['--id-tag', 'TAG-LONGER-THAN-TWENTY'], '--id-tag must have 1 to 20 characters'],
  [['--expect-sessions', 'many'], '--expect-sessions must be an integer'],
])('usage error %j: exit 2', async (args, message) => {
  const run = capture()
  expect(await runCli(['simulate', ...args], run.ctx)).toBe(2)
  expect(run.stderr()).toContain(message)
})
