/**
 * The two servers of `bench:ftp`, each its own process so that its memory can be read from /proc:
 * - `bare`: ftp-srv alone (`bare-ftp-srv.ts`), writing uploads into a temporary directory;
 * - `edge`: `node services/ftp-ingest/src/main.ts` as production starts it, configured only through the
 *   environment: a throwaway database (created and migrated directly on Postgres, used through pgbouncer), its
 *   own BUS_NAMESPACE, a temporary STORAGE_URL directory, free ports, and one station account per upload written
 *   through packages/station-registry (as `pnpm chargebus station set --password` does).
 * Each can check afterwards that every upload it confirmed is really there (`verify`).
 */
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { connectBus } from '@chargebus/bus'
import { createDb, sql, withDatabaseName } from '@chargebus/db'
import { Streams } from '@chargebus/events'
import { hashPassword, mirrorRegistration, openKvBuckets } from '@chargebus/station-registry'
import { pino } from 'pino'
import {
  ADMIN_URL,
  createRunDatabase,
  dropRunDatabase,
  freePort,
  NATS_URL,
  POOLED_URL,
  startService,
} from '../../e2e/src/stack.ts'
import { type Started, startProcess, stopProcess, waitForTcp } from '../../gateway/src/processes.ts'
import type { UploadResult, UploadTarget } from './clients.ts'

export type TargetName = 'bare' | 'bare-scrypt' | 'edge'

export interface RunningTarget extends UploadTarget {
  readonly name: TargetName
  readonly proc: Started
  /** What the server was configured with (reported). */
  readonly settings: Record<string, string>
  /** Problems with the confirmed uploads: each must be stored whole (and, for the edge, recorded). */
  verify(results: readonly UploadResult[]): Promise<string[]>
  stop(): Promise<void>
}

export interface TargetOptions {
  /** Uploads at once: one station account each (edge). */
  uploads: number
  fileBytes: number
  passiveMin: number
  passiveMax: number
  /** Where the server's temporary directories go. */
  workDir: string
  /** Extra environment of the edge (experiments: FTP_AUTH_CONCURRENCY, DATABASE_POOL_SIZE, NODE_OPTIONS). */
  edgeEnv: Record<string, string>
}

const STATION_PASSWORD = 'bench-ftp-password'
const stationId = (i: number) => `BENCH-${String(i + 1).padStart(3, '0')}`

/**
 * The bare ftp-srv; `checkPasswords` (the `bare-scrypt` target) adds the edge's password check to each login and
 * nothing else: the most any edge that checks stations' stored scrypt hashes could do on this machine.
 */
export async function startBare(opts: TargetOptions, checkPasswords = false): Promise<RunningTarget> {
  const port = await freePort()
  const dir = mkdtempSync(join(opts.workDir, 'bare-'))
  const proc = startProcess({
    name: 'bare-ftp-srv',
    command: process.execPath,
    args: [
      join(import.meta.dirname, 'bare-ftp-srv.ts'),
      String(port),
      String(opts.passiveMin),
      String(opts.passiveMax),
      dir,
      ...(checkPasswords ? ['check-passwords'] : []),
    ],
    logFile: join(opts.workDir, 'bare-ftp-srv.log'),
  })
  await waitForTcp(port, proc)
  return {
    name: checkPasswords ? 'bare-scrypt' : 'bare',
    label: checkPasswords ? 'bare ftp-srv + scrypt logins' : 'bare ftp-srv',
    port,
    proc,
    settings: {
      passiveRange: `${opts.passiveMin}-${opts.passiveMax}`,
      login: checkPasswords
        ? "one fixed user, its password checked against a stored scrypt hash on the registry's password-check worker"
        : 'one fixed user, no password check',
    },
    credentials: () => ({ user: 'bench', password: 'bench' }),
    async verify(results) {
      const problems: string[] = []
      for (const r of results) {
        const size = sizeOf(join(dir, r.file.name))
        if (size !== r.file.size) problems.push(`${r.file.name}: ${size ?? 'no'} bytes stored`)
      }
      return problems
    },
    async stop() {
      await stopProcess(proc)
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

/**
 * The edge with its limits set for the bench: a passive range wide enough for every upload at once (the
 * default 20 ports would make the rest wait for a port), the file limit and quota above what one station
 * uploads. The login throttle counts failures only, and every bench login succeeds, so it keeps its default;
 * FTP_MAX_CONNECTIONS (1000) and the pool (DATABASE_POOL_SIZE 2) keep theirs too. TLS is off, as for the
 * baseline.
 */
export async function startEdge(opts: TargetOptions): Promise<RunningTarget> {
  const suffix = `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`
  const database = `chargebus_bench_ftp_${suffix}`
  const namespace = `bftp${suffix}`
  const storageDir = mkdtempSync(join(opts.workDir, 'edge-storage-'))
  await createRunDatabase(database)
  const bus = await connectBus({
    servers: NATS_URL,
    name: 'bench-ftp',
    namespace,
    logger: pino({ level: 'silent' }),
  })
  const inspect = createDb({
    url: withDatabaseName(ADMIN_URL, database),
    poolSize: 1,
    applicationName: 'bench-ftp-verify',
  })
  const cleanUp = async () => {
    await bus.deleteNamespace().catch(() => {})
    await bus.close()
    await inspect.destroy()
    await dropRunDatabase(database)
    rmSync(storageDir, { recursive: true, force: true })
  }
  try {
    const { stations } = await openKvBuckets(bus)
    const password = hashPassword(STATION_PASSWORD) // one hash for all: scrypt costs ~50 ms a call
    for (let i = 0; i < opts.uploads; i++)
      await mirrorRegistration(stations, {
        stationId: stationId(i),
        registrationStatus: 'Accepted',
        password,
        decidedAt: new Date(),
        source: 'cli',
      })
    const ftpPort = await freePort()
    const settings = {
      NODE_ENV: 'production',
      LOG_LEVEL: 'warn',
      DATABASE_URL: withDatabaseName(POOLED_URL, database),
      NATS_URL,
      BUS_NAMESPACE: namespace,
      STORAGE_URL: storageDir,
      FTP_PORT: String(ftpPort),
      FTP_PASSIVE_MIN_PORT: String(opts.passiveMin),
      FTP_PASSIVE_MAX_PORT: String(opts.passiveMax),
      FTP_REQUIRE_TLS: 'false',
      FTP_MAX_FILE_BYTES: String(Math.max(268_435_456, 2 * opts.fileBytes)),
      FTP_QUOTA_BYTES: String(Math.max(2_147_483_648, 4 * opts.fileBytes)),
      ...opts.edgeEnv,
    }
    const service = await startService(
      { name: 'ftp-ingest', port: await freePort(), env: settings },
      opts.workDir,
    )
    return {
      name: 'edge',
      label: 'ftp-ingest',
      port: ftpPort,
      proc: service.proc,
      settings: { ...settings, DATABASE_URL: `(throwaway ${database} through pgbouncer)` },
      credentials: (i) => ({ user: stationId(i), password: STATION_PASSWORD }),
      async verify(results) {
        const { rows } = await sql<{
          station_id: string
          name: string
          size: string
          sha256: string
          object_key: string
          duplicate_of: string | null
        }>`select station_id, name, size, sha256, object_key, duplicate_of from ftp_files`.execute(inspect)
        const problems: string[] = []
        for (const r of results) {
          const mine = rows.filter((row) => row.station_id === r.user && row.name === r.file.name)
          const row = mine[0]
          if (mine.length !== 1 || row === undefined) {
            problems.push(`${r.user}/${r.file.name}: ${mine.length} ftp_files rows`)
            continue
          }
          if (Number(row.size) !== r.file.size || row.sha256 !== r.file.sha256 || row.duplicate_of !== null)
            problems.push(`${r.user}/${r.file.name}: recorded ${row.size} bytes, sha256 ${row.sha256}`)
          const stored = sizeOf(join(storageDir, ...row.object_key.split('/')))
          if (stored !== r.file.size) problems.push(`${row.object_key}: ${stored ?? 'no'} bytes in storage`)
        }
        const events = (await bus.streamBounds(Streams.FTP)).messages
        if (events !== results.length) problems.push(`${events} events on FTP for ${results.length} uploads`)
        return problems
      },
      async stop() {
        try {
          await stopProcess(service.proc)
        } finally {
          await cleanUp()
        }
      },
    }
  } catch (err) {
    await cleanUp()
    throw err
  }
}

function sizeOf(path: string): number | undefined {
  try {
    return statSync(path).size
  } catch {
    return undefined
  }
}
