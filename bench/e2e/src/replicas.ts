/**
 * N processes of an unmodified service behind one port, as replicas behind a load balancer in production
 * (node:cluster; the primary only accepts connections and hands them to workers, so keep-alive traffic does not
 * pass through it). Env: BENCH_REPLICA_MAIN (the service's src/main.ts), BENCH_REPLICAS (default 2),
 * BENCH_REPLICA_FOLLOWER_ENV (JSON: environment for every worker but the first, e.g. the gateway's
 * `{"OCPP_COMMANDS_ENABLED":"false"}`: like production replicas, only one runs the command dispatcher);
 * everything else is passed to the workers. SIGTERM/SIGINT stop the workers gracefully, then the primary.
 */
import cluster from 'node:cluster'

const main = process.env.BENCH_REPLICA_MAIN
const replicas = Number(process.env.BENCH_REPLICAS ?? 2)
const followerEnv = JSON.parse(process.env.BENCH_REPLICA_FOLLOWER_ENV ?? '{}') as Record<string, string>
if (!main) throw new Error('BENCH_REPLICA_MAIN is not set')

let stopping = false
cluster.setupPrimary({ exec: main, execArgv: process.execArgv })
for (let i = 0; i < replicas; i++) cluster.fork(i === 0 ? {} : followerEnv)
cluster.on('exit', (worker, code, signal) => {
  if (stopping) return
  process.stderr.write(`replica ${worker.process.pid} exited (${signal ?? code}); stopping\n`)
  stop(1)
})

function stop(exitCode: number) {
  stopping = true
  const alive = Object.values(cluster.workers ?? {}).filter((w) => w && !w.isDead())
  if (alive.length === 0) process.exit(exitCode)
  let left = alive.length
  for (const w of alive) {
    w?.process.once('exit', () => {
      if (--left === 0) process.exit(exitCode)
    })
    w?.process.kill('SIGTERM')
  }
}
for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, () => stop(0))
