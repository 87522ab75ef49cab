import { spawnSync } from 'node:child_process'
import { connect } from 'node:net'
import { fileURLToPath } from 'node:url'
import { createDb, describeError, parseDatabaseUrl, pingDatabase, withDatabaseName } from '@chargebus/db'
import {
  createMigratedDatabase,
  DEFAULT_TEST_DATABASE_ADMIN_URL,
  DEFAULT_TEST_DATABASE_URL,
  dropTestDatabases,
  newTestRunId,
  TEST_DATABASE_PREFIX,
} from './support/database.ts'

/*
 * Runs once per jest run, in the jest main process (not in the test files' context): values reach
 * the tests through process.env, which jest hands to every worker.
 *
 * 1. Postgres (DATABASE_ADMIN_URL's host:port, default 127.0.0.1:5432), pgbouncer (DATABASE_URL's,
 *    default 127.0.0.1:6432) and NATS (NATS_URL's, default 127.0.0.1:4222) must accept connections.
 *    If a local one does not, `scripts/deps-up.sh` starts it; if that cannot, the run stops with one
 *    line saying what is missing and how to get it.
 * 2. Creates and migrates `chargebus_test_<run id>` and points DATABASE_URL / DATABASE_ADMIN_URL at it.
 */

const DEFAULT_NATS_URL = 'nats://127.0.0.1:4222'
const DEPS_UP = fileURLToPath(new URL('../scripts/deps-up.sh', import.meta.url))

interface Dependency {
  name: string
  variable: string
  host: string
  port: number
}

export default async function globalSetup(): Promise<void> {
  const env = process.env
  const url = env.DATABASE_URL || DEFAULT_TEST_DATABASE_URL
  const adminUrl = env.DATABASE_ADMIN_URL || DEFAULT_TEST_DATABASE_ADMIN_URL
  const natsUrl = env.NATS_URL || DEFAULT_NATS_URL

  try {
    const dependencies = [
      databaseDependency('postgres', 'DATABASE_ADMIN_URL', adminUrl),
      databaseDependency('pgbouncer', 'DATABASE_URL', url),
      natsDependency(natsUrl),
    ]
    await ensureReachable(dependencies)

    const runId = newTestRunId()
    const name = `${TEST_DATABASE_PREFIX}${runId}`
    await createMigratedDatabase(adminUrl, name).catch((err: unknown) => {
      throw new SetupFailure(
        `cannot create the test database ${name} on ${describeUrl(adminUrl)}: ${message(err)}`,
      )
    })
    await checkPooledAccess(withDatabaseName(url, name)).catch(async (err: unknown) => {
      await dropTestDatabases(adminUrl, [name]) // jest skips globalTeardown when globalSetup fails
      throw err
    })
    env.CHARGEBUS_TEST_RUN_ID = runId
    env.DATABASE_URL = withDatabaseName(url, name)
    env.DATABASE_ADMIN_URL = withDatabaseName(adminUrl, name)
    env.NATS_URL = natsUrl
  } catch (err) {
    if (err instanceof SetupFailure) throw oneLineError(err.message)
    throw err
  }
}

class SetupFailure extends Error {}

/** Something answering on the pgbouncer port is not enough: the test database must answer through it. */
async function checkPooledAccess(url: string): Promise<void> {
  const db = createDb({ url, poolSize: 1, connectTimeoutMs: 5000 })
  try {
    await pingDatabase(db, { timeoutMs: 5000 })
  } catch (err) {
    throw new SetupFailure(
      `the test database does not answer through pgbouncer at ${describeUrl(url)} (${describeError(err)}): run pnpm deps:up`,
    )
  } finally {
    await db.destroy()
  }
}

/** Jest prints a globalSetup error with its stack; a stack-less error keeps the promise of one line. */
function oneLineError(text: string): Error {
  const err = new Error(`test set-up: ${text}`)
  err.stack = err.message
  return err
}

function databaseDependency(name: string, variable: string, url: string): Dependency {
  try {
    const { host, port } = parseDatabaseUrl(url)
    return { name, variable, host, port }
  } catch (err) {
    throw new SetupFailure(`${variable}: ${message(err)}`)
  }
}

function natsDependency(natsUrl: string): Dependency {
  const first = natsUrl.split(',')[0]?.trim() ?? ''
  try {
    const parsed = new URL(first.includes('://') ? first : `nats://${first}`)
    return { name: 'nats', variable: 'NATS_URL', host: parsed.hostname, port: Number(parsed.port || 4222) }
  } catch {
    throw new SetupFailure(`NATS_URL is not a URL like nats://127.0.0.1:4222`)
  }
}

async function ensureReachable(dependencies: Dependency[]): Promise<void> {
  const down = await unreachable(dependencies)
  if (down.length === 0) return
  const remote = down.find((d) => !isLocal(d.host))
  if (remote !== undefined) {
    throw new SetupFailure(
      `${remote.name} is not reachable at ${remote.host}:${remote.port} (${remote.variable}): start it, or unset ${remote.variable} to use local servers`,
    )
  }
  runDepsUp(dependencies)
  const stillDown = await unreachable(dependencies)
  const first = stillDown[0]
  if (first !== undefined) {
    throw new SetupFailure(
      `${first.name} is still not reachable at ${first.host}:${first.port} after scripts/deps-up.sh: see pnpm deps:up`,
    )
  }
}

/** Starts the local servers; on failure the script's own last line says what is missing. */
function runDepsUp(dependencies: Dependency[]): void {
  const port = (name: string) => String(dependencies.find((d) => d.name === name)?.port)
  const result = spawnSync('bash', [DEPS_UP], {
    encoding: 'utf8',
    env: {
      ...process.env,
      POSTGRES_PORT: port('postgres'),
      PGBOUNCER_PORT: port('pgbouncer'),
      NATS_PORT: port('nats'),
      DEPS_UP_MIGRATE: '0',
    },
    timeout: 180_000,
  })
  if (result.status === 0) return
  const lines = `${result.stderr ?? ''}\n${result.error?.message ?? ''}`
    .split('\n')
    .filter((l) => l.trim() !== '')
  throw new SetupFailure(
    lines.at(-1)?.replace(/^deps:up: /, '') ?? `scripts/deps-up.sh exited with ${result.status}`,
  )
}

async function unreachable(dependencies: Dependency[]): Promise<Dependency[]> {
  const open = await Promise.all(dependencies.map((d) => acceptsConnections(d.host, d.port)))
  return dependencies.filter((_, i) => !open[i])
}

function acceptsConnections(host: string, port: number, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port })
    const done = (ok: boolean) => {
      socket.destroy()
      resolve(ok)
    }
    socket.setTimeout(timeoutMs, () => done(false))
    socket.once('connect', () => done(true))
    socket.once('error', () => done(false))
  })
}

function isLocal(host: string): boolean {
  return host === '127.0.0.1' || host === 'localhost' || host === '::1'
}

function describeUrl(url: string): string {
  const { host, port } = parseDatabaseUrl(url)
  return `${host}:${port}`
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err)
}
