/**
 * Experiment: N processes of the unmodified gateway behind one port (node:cluster; the primary only accepts
 * connections and hands them to workers, so keep-alive traffic does not pass through it). Like replicas in
 * production, only the first worker runs the command dispatcher (OCPP_COMMANDS_ENABLED=false on the others). Env:
 * BENCH_GATEWAY_MAIN (the gateway's src/main.ts), BENCH_GATEWAY_WORKERS (default 2); everything else is
 * passed to the workers. SIGTERM/SIGINT stop the workers gracefully, then the primary.
 */
import cluster from 'node:cluster'

const main = process.env.BENCH_GATEWAY_MAIN
const workers = Number(process.env.BENCH_GATEWAY_WORKERS ?? 2)
if (!main) throw new Error('BENCH_GATEWAY_MAIN is not set')

let stopping = false
cluster.setupPrimary({ exec: main, execArgv: process.execArgv })
for (let i = 0; i < workers; i++) cluster.fork(i === 0 ? {} : { OCPP_COMMANDS_ENABLED: 'false' })
cluster.on('exit', (worker, code, signal) => {
  if (stopping) return
  process.stderr.write(`gateway worker ${worker.process.pid} exited (${signal ?? code}); stopping\n`)
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
