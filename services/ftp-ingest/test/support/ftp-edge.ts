import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { type Bus, connectBus } from '@chargebus/bus'
import { createDb, type Database, type Kysely } from '@chargebus/db'
import { type EventData, FtpFileReceived, Streams } from '@chargebus/events'
import { type Clock, loadConfig } from '@chargebus/platform'
import {
  type FtpGrantCredentials,
  type FtpGrantRecord,
  hashPassword,
  issueFtpGrant,
  mirrorRegistration,
  openKvBuckets,
} from '@chargebus/station-registry'
import { Client, type FTPResponse } from 'basic-ftp'
import { pino } from 'pino'
import { createThrowawayDatabase, type ThrowawayDatabase } from '../../../../test/support/database.ts'
import { NATS_URL, uniqueNamespace } from '../../../../test/support/nats.ts'
import { buildApp, type FtpIngestApp } from '../../src/app.ts'
import { FtpIngestConfig } from '../../src/config.ts'
import { type OpenedFtpIngestDependencies, openFtpIngestDependencies } from '../../src/deps.ts'

/** A running FTP edge of a test file: its own database, bus namespace, storage directory and passive range. */
export interface TestEdge {
  app: FtpIngestApp
  deps: OpenedFtpIngestDependencies
  port: number
  storageDir: string
  /** The edge's bus namespace and database, for a test that runs another service beside it (ingest). */
  namespace: string
  database: ThrowawayDatabase
  /** Direct to Postgres: inspection only. */
  db: Kysely<Database>
  /** A bus on the edge's namespace, to read what it published. */
  bus: Bus
  /** Registers an Accepted station with this password (as `pnpm chargebus station set --password` does). */
  addStation(stationId: string, password: string, status?: 'Accepted' | 'Pending' | 'Rejected'): Promise<void>
  /** Issues a command's one-time credentials as the gateway does, valid for `ttlMs` from the edge's clock. */
  grant(
    grant: Pick<FtpGrantRecord, 'stationId' | 'commandId' | 'access' | 'fileName'>,
    ttlMs?: number,
  ): Promise<FtpGrantCredentials>
  /** Uploads `bytes` as `name` with basic-ftp (a login, one STOR), as a station does; the final reply. */
  upload(stationId: string, password: string, name: string, bytes: Buffer): Promise<FTPResponse>
  /** Every `ftp.file.received` the edge published, in order. */
  received(): Promise<EventData<typeof FtpFileReceived>[]>
  close(): Promise<void>
}

/** The run's database (DATABASE_URL), shaped like a throwaway one that is never dropped. */
function runDatabase(): ThrowawayDatabase {
  const keep = async () => {}
  return {
    name: 'run',
    url: process.env.DATABASE_URL as string,
    adminUrl: process.env.DATABASE_ADMIN_URL as string,
    drop: keep,
    [Symbol.asyncDispose]: keep,
  }
}

/** A passive range of 20 ports per edge, spread so that test files running at once rarely meet. */
export function passiveRange(): { min: number; max: number } {
  const min = 40_000 + Math.floor(Math.random() * 1000) * 20
  return { min, max: min + 19 }
}

/**
 * `opts.namespace` joins another test service's bus namespace and `opts.shareRunDatabase` uses the run's
 * database (DATABASE_URL) instead of a throwaway one: an edge beside a gateway and an API, end to end.
 */
export async function startTestEdge(
  env: Record<string, string> = {},
  opts: { clock?: Clock; namespace?: string; shareRunDatabase?: boolean } = {},
): Promise<TestEdge> {
  const namespace = opts.namespace ?? uniqueNamespace('ftp')
  const database: ThrowawayDatabase = opts.shareRunDatabase ? runDatabase() : await createThrowawayDatabase()
  const storageDir = mkdtempSync(join(tmpdir(), 'chargebus-ftp-'))
  const range = passiveRange()
  const config = loadConfig(FtpIngestConfig, {
    DATABASE_URL: database.url,
    NATS_URL,
    STORAGE_URL: storageDir,
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'silent',
    FTP_PORT: '0',
    FTP_PASSIVE_MIN_PORT: String(range.min),
    FTP_PASSIVE_MAX_PORT: String(range.max),
    ...env,
  })
  const deps = await openFtpIngestDependencies(config, pino({ level: config.LOG_LEVEL }), {
    namespace,
    ...(opts.clock && { clock: opts.clock }),
  })
  const app = buildApp(deps)
  app.addHook('onClose', () => deps.close())
  await app.ready()
  const db = createDb({ url: database.adminUrl, poolSize: 2, applicationName: 'ftp-ingest-test' })
  const bus = await connectBus({
    servers: NATS_URL,
    name: 'ftp-ingest-test',
    namespace,
    logger: pino({ level: 'silent' }),
  })
  const kvs = await openKvBuckets(bus)
  return {
    app,
    deps,
    port: app.ftpAddress().port,
    storageDir,
    namespace,
    database,
    db,
    bus,
    async addStation(stationId, password, status = 'Accepted') {
      await mirrorRegistration(kvs.stations, {
        stationId,
        registrationStatus: status,
        password: hashPassword(password),
        decidedAt: new Date(),
        source: 'cli',
      })
    },
    grant(grant, ttlMs = 3_600_000) {
      const now = deps.clock()
      return issueFtpGrant(deps.grants, grant, { now, expiresAt: new Date(now.getTime() + ttlMs) })
    },
    async upload(stationId, password, name, bytes) {
      const client = new Client(10_000)
      try {
        await client.access({ host: '127.0.0.1', port: app.ftpAddress().port, user: stationId, password })
        return await client.uploadFrom(Readable.from(bytes), name)
      } finally {
        client.close()
      }
    },
    async received() {
      const bounds = await bus.streamBounds(Streams.FTP)
      if (bounds.messages === 0) return []
      const out: EventData<typeof FtpFileReceived>[] = []
      for await (const page of bus.read(Streams.FTP, [FtpFileReceived], {
        from: { seq: bounds.firstSeq },
        toSeq: bounds.lastSeq,
        pageSize: 100,
      }))
        for (const e of page.events) out.push(e.data as EventData<typeof FtpFileReceived>)
      return out
    },
    async close() {
      await app.close()
      if (opts.namespace === undefined) await bus.deleteNamespace().catch(() => {})
      await bus.close()
      await db.destroy()
      await database.drop()
      rmSync(storageDir, { recursive: true, force: true })
    },
  }
}

/** A basic-ftp client logged in on a local edge (plain FTP). */
export async function basicFtp(port: number, user: string, password: string): Promise<Client> {
  const client = new Client(10_000)
  await client.access({ host: '127.0.0.1', port, user, password })
  return client
}
