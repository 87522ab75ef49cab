import { pino } from 'pino'
import { type PauseMode, startTcpProxy } from '../../../../test/support/tcp-proxy.ts'
import { createDb, describeError, parseDatabaseUrl, sql, withPort } from '../../src/index.ts'

/*
 * A stand-in for a service process, started by test/integration/connection-loss.test.ts with
 * `node lost-connection.ts <refuse|blackhole>` and DATABASE_URL: runs `select pg_sleep(2)` through a
 * TCP proxy in front of pgbouncer, cuts the wire mid-query, then queries again once the wire is back.
 * A real process (not jest's sandbox), so an uncaught exception is real: it is listened for here and
 * reported (a service without such a listener exits). Prints createDb's pino lines, then one
 * `{"result": ...}` line.
 */

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
const mode = process.argv[2] as PauseMode
const url = process.env.DATABASE_URL
if (url === undefined || (mode !== 'refuse' && mode !== 'blackhole')) {
  throw new Error('usage: DATABASE_URL=... node lost-connection.ts <refuse|blackhole>')
}

const uncaught: string[] = []
process.on('uncaughtException', (err) => uncaught.push(describeError(err)))

const target = parseDatabaseUrl(url)
const proxy = await startTcpProxy({ targetHost: target.host, targetPort: target.port })
const db = createDb({
  url: withPort(url, proxy.port),
  poolSize: 2,
  connectTimeoutMs: 2000,
  logger: pino({ level: 'warn' }),
})

const started = Date.now()
let settledAfterMs: number | undefined
const query = sql`select pg_sleep(2)`.execute(db)
const outcome = query.then(
  () => ({ ok: true as const }),
  (err: unknown) => ({ ok: false as const, error: describeError(err) }),
)
void outcome.then(() => {
  settledAfterMs = Date.now() - started
})

// Connected, authenticated and the statement sent: pg_sleep is running on the server.
while (proxy.openConnections === 0 && Date.now() - started < 5000) await sleep(10)
await sleep(300)
const inFlight = settledAfterMs === undefined && proxy.openConnections > 0

await proxy.pause(mode)
let pendingWhileBlackholed: boolean | undefined
if (mode === 'blackhole') {
  // Nothing arrives: the query outlives its 2 s sleep until the connection is actually cut, which
  // resuming the proxy does (like a partition that ends in a reset).
  await sleep(2500)
  pendingWhileBlackholed = settledAfterMs === undefined
  await proxy.resume()
}
const query1 = await outcome
await sleep(100) // a late 'error' event would surface now
await proxy.resume()

let after: unknown
try {
  after = (await sql<{ n: number }>`select 1 as n`.execute(db)).rows
} catch (err) {
  after = { error: describeError(err) }
}

await db.destroy()
await proxy.close()
console.log(JSON.stringify({ result: { inFlight, pendingWhileBlackholed, query1, after, uncaught } }))
