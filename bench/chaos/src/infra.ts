/**
 * The chaos bench's own servers, so faults never touch the machine's shared Postgres (5432), pgbouncer (6432) or
 * NATS (4222):
 * - a private Postgres 15 cluster (initdb into the run's directory, `pg_ctl` on a free port, run as `postgres`);
 * - the slow-database proxy in front of it (slow-proxy.ts; pass-through until a fault sets a delay);
 * - a private pgbouncer, configured and started by scripts/deps-up.sh (the project's pgbouncer config writer),
 *   pointed at the proxy, with its files in the run's directory;
 * - a private `nats-server -js` with its store in the run's directory, or three clustered (nats-cluster.ts).
 * Every server is stopped by its data directory, pidfile or pid; the directory is removed at the end.
 */
import { execFile } from 'node:child_process'
import { chmodSync, mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { freePort, REPO_ROOT } from '../../e2e/src/stack.ts'
import { type NatsServers, natsServers } from './nats-cluster.ts'
import { type SlowProxy, startSlowProxy } from './slow-proxy.ts'

const run = promisify(execFile)
const PG_BIN = process.env.CHAOS_PG_BIN ?? '/usr/lib/postgresql/15/bin'
/** Postgres refuses to run as root: the cluster belongs to this user. */
const PG_USER = 'postgres'

export interface Infra {
  readonly dir: string
  /** Direct to the private Postgres (migrations, the bench's checks). */
  readonly adminUrl: string
  /** Through the private pgbouncer (what the services use). */
  readonly pooledUrl: string
  /** Every NATS node, comma-separated. */
  readonly natsUrl: string
  readonly nats: NatsServers
  readonly proxy: SlowProxy
  postgresStop(): Promise<void>
  postgresStart(): Promise<void>
  postgresRestart(): Promise<void>
  pgbouncerStop(): Promise<void>
  pgbouncerStart(): Promise<void>
  natsStop(): Promise<void>
  natsStart(): Promise<void>
  /** Stops everything still running (idempotent; errors are reported, not thrown). */
  close(log: (msg: string) => void): Promise<void>
}

async function asPostgres(command: string, args: string[]): Promise<string> {
  const asRoot = process.getuid?.() === 0
  const [cmd, argv] = asRoot ? ['runuser', ['-u', PG_USER, '--', command, ...args]] : [command, args]
  const { stdout } = await run(cmd, argv, { maxBuffer: 1 << 24 })
  return stdout
}

/** `dir` must be readable by the `postgres` user (its parent too): the cluster and pgbouncer live in it. */
export async function startInfra(
  dir: string,
  log: (msg: string) => void,
  opts: { natsCluster: boolean },
): Promise<Infra> {
  mkdirSync(dir, { recursive: true })
  chmodSync(dir, 0o755)
  const pgData = join(dir, 'pgdata')
  const pgSock = join(dir, 'pgsock')
  const pgLog = join(dir, 'postgres.log')
  const pgbouncerDir = join(dir, 'pgbouncer')
  mkdirSync(pgSock, { recursive: true })
  if (process.getuid?.() === 0) await run('chown', [PG_USER, pgSock, dir])
  const [pgPort, proxyPort, bouncerPort] = [await freePort(), await freePort(), await freePort()]

  const closers: (() => Promise<void>)[] = []
  let postgresUp = false
  let bouncerUp = false
  const pgCtl = (...args: string[]) => asPostgres(join(PG_BIN, 'pg_ctl'), ['-D', pgData, ...args])
  const pgOptions = `-p ${pgPort} -c listen_addresses=127.0.0.1 -k ${pgSock}`

  log(`private Postgres: initdb ${pgData}`)
  await asPostgres(join(PG_BIN, 'initdb'), ['-D', pgData, '-U', 'postgres', '-A', 'trust', '--no-sync'])
  const postgresStart = async () => {
    await pgCtl('-l', pgLog, '-o', pgOptions, '-w', '-t', '60', 'start')
    postgresUp = true
  }
  const postgresStop = async () => {
    if (!postgresUp) return
    await pgCtl('-m', 'fast', '-w', '-t', '60', 'stop')
    postgresUp = false
  }
  await postgresStart()
  closers.push(postgresStop)
  log(`private Postgres on ${pgPort} (log ${pgLog})`)

  const proxy = await startSlowProxy({ listenPort: proxyPort, targetPort: pgPort })
  closers.push(() => proxy.close())
  log(`slow-database proxy on ${proxyPort} -> ${pgPort}`)

  const nats = await natsServers(dir, opts.natsCluster)
  await nats.startAll()
  closers.push(() => nats.stopAll())
  log(
    nats.clustered
      ? `private NATS cluster: ${nats.nodes.map((n) => `${n.name} ${n.url}`).join(', ')} (stores in ${dir})`
      : `private nats-server -js on ${nats.url} (store in ${dir})`,
  )

  // deps-up.sh: role, database, pgbouncer (transaction pooling, SCRAM) in front of the proxy, migrations
  const depsEnv = {
    ...process.env,
    POSTGRES_HOST: '127.0.0.1',
    POSTGRES_PORT: String(proxyPort),
    POSTGRES_SUPERUSER: 'postgres',
    NATS_HOST: '127.0.0.1',
    NATS_PORT: new URL(nats.nodes[0]?.url ?? '').port,
    PGBOUNCER_HOST: '127.0.0.1',
    PGBOUNCER_PORT: String(bouncerPort),
    PGBOUNCER_DIR: pgbouncerDir,
  }
  const depsUp = async (migrate: boolean, ...args: string[]) => {
    await run('bash', [join(REPO_ROOT, 'scripts/deps-up.sh'), ...args], {
      env: { ...depsEnv, DEPS_UP_MIGRATE: migrate ? '1' : '0' },
      maxBuffer: 1 << 24,
    })
  }
  const pgbouncerStart = async () => {
    await depsUp(false)
    bouncerUp = true
  }
  const pgbouncerStop = async () => {
    if (!bouncerUp) return
    await depsUp(false, 'down')
    bouncerUp = false
  }
  await depsUp(true)
  bouncerUp = true
  closers.push(pgbouncerStop)
  log(`private pgbouncer on ${bouncerPort} (files in ${pgbouncerDir}); database migrated`)

  return {
    dir,
    adminUrl: `postgres://chargebus:chargebus@127.0.0.1:${pgPort}/chargebus`,
    pooledUrl: `postgres://chargebus:chargebus@127.0.0.1:${bouncerPort}/chargebus`,
    natsUrl: nats.url,
    nats,
    proxy,
    postgresStop,
    postgresStart,
    postgresRestart: async () => {
      await pgCtl('-l', pgLog, '-o', pgOptions, '-m', 'fast', '-w', '-t', '60', 'restart')
      postgresUp = true
    },
    pgbouncerStop,
    pgbouncerStart,
    natsStop: () => nats.stopAll(),
    natsStart: () => nats.startAll(),
    async close(say) {
      for (const close of closers.reverse()) {
        await close().catch((err: unknown) => say(`clean-up: ${err}`))
      }
    },
  }
}
