import { createHash, randomBytes } from 'node:crypto'
import { mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { sql } from '@chargebus/db'
import { loadConfig } from '@chargebus/platform'
import { pino } from 'pino'
import { Registry } from 'prom-client'
import { FtpIngestConfig, type PullSource, pullSourcesFrom } from '../../src/config.ts'
import { claimPullLease } from '../../src/data-access/ftp-pull-files.ts'
import { createPullTimer, type PollOutcome } from '../../src/entry-points/timers/pull-sources.ts'
import { createFtpIngestMetrics } from '../../src/metrics.ts'
import { startTestEdge, type TestEdge } from '../support/ftp-edge.ts'
import { type LegacyFtpServer, startLegacyFtpServer } from '../support/legacy-ftp-server.ts'

const SLOW = 60_000
const MINUTE = 60_000
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex')

let edge: TestEdge
let legacy: LegacyFtpServer
let now = new Date('2026-12-06T10:00:00Z')
const clock = () => now
const advance = (ms: number) => {
  now = new Date(now.getTime() + ms)
}
/** Everything the pull code logged (debug and up), as pino wrote it. */
const logLines: string[] = []
const logger = pino({ level: 'debug' }, { write: (line: string) => void logLines.push(line) })
const registry = new Registry()
const metrics = createFtpIngestMetrics(registry)

beforeAll(async () => {
  edge = await startTestEdge()
  legacy = await startLegacyFtpServer()
}, SLOW)

afterAll(async () => {
  await legacy?.close()
  await edge?.close()
})

/** A source on its own directory of the legacy server (and its own station), so tests do not meet. */
function sourceFor(server: LegacyFtpServer, name: string, extra: Record<string, unknown> = {}): PullSource {
  mkdirSync(join(server.dir, name), { recursive: true })
  const config = loadConfig(FtpIngestConfig, {
    FTP_PULL_SOURCES: JSON.stringify([
      { name, url: server.url(`/${name}`), stationId: `CP-${name}`, intervalS: 60, ...extra },
    ]),
  })
  return pullSourcesFrom(config)[0] as PullSource
}

function timerFor(...sources: PullSource[]) {
  return timerWith({}, ...sources)
}

function timerWith(opts: { timeoutMs?: number }, ...sources: PullSource[]) {
  return createPullTimer({
    sources,
    receive: {
      db: edge.deps.db,
      storage: edge.deps.storage,
      publisher: edge.deps.bus,
      clock,
      logger,
      grants: edge.deps.grants,
    },
    metrics,
    logger,
    timeoutMs: opts.timeoutMs ?? 5_000,
    leaseMs: 10 * MINUTE,
    tickMs: 1_000,
  })
}

const only = async (timer: ReturnType<typeof timerFor>): Promise<PollOutcome> => {
  const [outcome] = await timer.runDue()
  return outcome as PollOutcome
}

async function filesOf(stationId: string) {
  const result = await sql<{
    id: string
    name: string
    size: string
    sha256: string
    object_key: string
    duplicate_of: string | null
    remote_address: string | null
  }>`select id, name, size, sha256, object_key, duplicate_of, remote_address from ftp_files
     where station_id = ${stationId} order by received_at, name`.execute(edge.db)
  return result.rows
}

async function pulledOf(source: string) {
  const result = await sql<{ name: string; size: string; mtime: string; sha256: string; file_id: string }>`
    select name, size, mtime, sha256, file_id from ftp_pull_files where source = ${source} order by pulled_at, name`.execute(
    edge.db,
  )
  return result.rows
}

async function bytesOf(key: string): Promise<Buffer> {
  const chunks: Buffer[] = []
  for await (const chunk of await edge.deps.storage.get(key)) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks)
}

async function objectsOf(stationId: string): Promise<string[]> {
  const keys: string[] = []
  for await (const o of edge.deps.storage.list(`ftp/${stationId}/`)) keys.push(o.key)
  return keys
}

const eventsOf = async (stationId: string) => (await edge.received()).filter((e) => e.stationId === stationId)

describe('pull mode against a bare ftp-srv ("legacy hardware")', () => {
  test(
    'the first poll downloads every file, the next downloads nothing, a changed file is downloaded again',
    async () => {
      const source = sourceFor(legacy, 'depot')
      const a = randomBytes(200_000)
      const b = randomBytes(1_500_000)
      legacy.write('depot/a.csv', a, new Date('2026-12-01T08:00:00Z'))
      legacy.write('depot/b.bin', b, new Date('2026-12-01T08:00:00Z'))
      const timer = timerFor(source)

      expect(await only(timer)).toMatchObject({
        outcome: 'ok',
        report: { listed: 2, pulled: 2, duplicates: 0, failed: 0 },
      })
      const files = await filesOf('CP-depot')
      expect(files.map((f) => [f.name, Number(f.size), f.sha256, f.duplicate_of, f.remote_address])).toEqual([
        ['a.csv', a.length, sha256(a), null, null],
        ['b.bin', b.length, sha256(b), null, null],
      ])
      expect((await bytesOf(files[0]?.object_key as string)).equals(a)).toBe(true)
      expect((await bytesOf(files[1]?.object_key as string)).equals(b)).toBe(true)
      const pulled = await pulledOf('depot')
      expect(pulled.map((p) => [p.name, p.sha256, p.file_id])).toEqual(
        files.map((f) => [f.name, f.sha256, f.id]),
      )
      // MDTM's instant, to the second: what "changed" is measured by.
      expect(pulled[0]?.mtime).toBe('2026-12-01T08:00:00.000Z')
      expect(await eventsOf('CP-depot')).toEqual(
        files.map((f) =>
          expect.objectContaining({ fileId: f.id, name: f.name, sha256: f.sha256, pulledFrom: 'depot' }),
        ),
      )

      // Not due before its interval; after it, nothing new.
      expect(await only(timer)).toEqual({ source: 'depot', outcome: 'not-due' })
      advance(MINUTE)
      expect(await only(timer)).toMatchObject({ outcome: 'ok', report: { listed: 2, pulled: 0, failed: 0 } })
      expect([legacy.downloads('a.csv'), legacy.downloads('b.bin')]).toEqual([1, 1])

      // Same size, other bytes and mtime; a bigger b; a copy of a's new bytes under another name.
      const a2 = randomBytes(a.length)
      const b2 = Buffer.concat([b, randomBytes(10)])
      legacy.write('depot/a.csv', a2, new Date('2026-12-02T08:00:00Z'))
      legacy.write('depot/b.bin', b2, new Date('2026-12-01T08:00:00Z'))
      legacy.write('depot/c.csv', a2, new Date('2026-12-02T08:00:00Z'))
      advance(MINUTE)
      expect(await only(timer)).toMatchObject({
        outcome: 'ok',
        report: { listed: 3, pulled: 2, duplicates: 1, failed: 0 },
      })
      const after = await filesOf('CP-depot')
      expect(after).toHaveLength(5)
      const byName = (name: string) => after.filter((f) => f.name === name).at(-1)
      expect(byName('a.csv')?.sha256).toBe(sha256(a2))
      expect(byName('b.bin')?.sha256).toBe(sha256(b2))
      expect(byName('c.csv')?.duplicate_of).toBe(byName('a.csv')?.id)
      expect(await pulledOf('depot')).toHaveLength(5)
    },
    SLOW,
  )

  test(
    'a pattern picks the names to pull; other names are never downloaded',
    async () => {
      const source = sourceFor(legacy, 'patterned', { pattern: 'meter-*.csv' })
      legacy.write('patterned/meter-1.csv', 'one')
      legacy.write('patterned/notes.txt', 'notes')
      legacy.write('patterned/meter-2.csv.tmp', 'half')
      expect(await only(timerFor(source))).toMatchObject({ outcome: 'ok', report: { listed: 1, pulled: 1 } })
      expect((await filesOf('CP-patterned')).map((f) => f.name)).toEqual(['meter-1.csv'])
      expect(legacy.downloads('notes.txt') + legacy.downloads('meter-2.csv.tmp')).toBe(0)
    },
    SLOW,
  )

  test(
    'a connection cut mid-download records nothing for that file, the other files go on, the next poll completes it',
    async () => {
      const source = sourceFor(legacy, 'flaky')
      const big = randomBytes(3_000_000)
      legacy.write('flaky/big.bin', big)
      legacy.write('flaky/small.txt', 'small and whole')
      legacy.cutNextDownload('big.bin', 65_536)
      const timer = timerFor(source)

      expect(await only(timer)).toMatchObject({ outcome: 'ok', report: { listed: 2, pulled: 1, failed: 1 } })
      expect(legacy.downloads('big.bin')).toBe(0)
      const files = await filesOf('CP-flaky')
      expect(files.map((f) => f.name)).toEqual(['small.txt'])
      expect((await pulledOf('flaky')).map((p) => p.name)).toEqual(['small.txt'])
      expect(await objectsOf('CP-flaky')).toEqual([files[0]?.object_key])
      expect((await eventsOf('CP-flaky')).map((e) => e.name)).toEqual(['small.txt'])

      advance(MINUTE)
      expect(await only(timer)).toMatchObject({ outcome: 'ok', report: { pulled: 1, failed: 0 } })
      const big1 = (await filesOf('CP-flaky')).find((f) => f.name === 'big.bin')
      expect(big1?.sha256).toBe(sha256(big))
      expect((await bytesOf(big1?.object_key as string)).equals(big)).toBe(true)
    },
    SLOW,
  )

  test(
    'a download with another size than the listing said (a clean 226, a file that changed) records nothing',
    async () => {
      const source = sourceFor(legacy, 'growing')
      const whole = randomBytes(50_000)
      legacy.write('growing/log.csv', whole)
      legacy.serveNextDownload('log.csv', whole.subarray(0, 20_000))
      const timer = timerFor(source)
      expect(await only(timer)).toMatchObject({ outcome: 'ok', report: { pulled: 0, failed: 1 } })
      expect(legacy.downloads('log.csv')).toBe(1) // the server thought it went well
      expect([await filesOf('CP-growing'), await pulledOf('growing'), await objectsOf('CP-growing')]).toEqual(
        [[], [], []],
      )
      expect(logLines.join('')).toContain('FTP_INGEST_ERR_PULL_INCOMPLETE')
      advance(MINUTE)
      expect(await only(timer)).toMatchObject({ outcome: 'ok', report: { pulled: 1, failed: 0 } })
      expect((await filesOf('CP-growing'))[0]?.sha256).toBe(sha256(whole))
    },
    SLOW,
  )

  test(
    'a storage failure records nothing for the file, and the next poll stores it',
    async () => {
      const source = sourceFor(legacy, 'nostore')
      legacy.write('nostore/m.csv', 'kWh;7\n')
      // A file where the station's object directory should be: every put under it fails.
      const blocker = join(edge.storageDir, 'ftp', 'CP-nostore')
      mkdirSync(join(edge.storageDir, 'ftp'), { recursive: true })
      writeFileSync(blocker, 'not a directory')
      const timer = timerFor(source)
      expect(await only(timer)).toMatchObject({ outcome: 'ok', report: { pulled: 0, failed: 1 } })
      expect([await filesOf('CP-nostore'), await pulledOf('nostore'), await eventsOf('CP-nostore')]).toEqual([
        [],
        [],
        [],
      ])
      rmSync(blocker)
      advance(MINUTE)
      expect(await only(timer)).toMatchObject({ outcome: 'ok', report: { pulled: 1 } })
      expect((await filesOf('CP-nostore')).map((f) => f.name)).toEqual(['m.csv'])
    },
    SLOW,
  )

  test(
    'stopping cuts a download in progress at once and keeps nothing of it',
    async () => {
      const source = sourceFor(legacy, 'stalled')
      legacy.write('stalled/slow.bin', randomBytes(100_000))
      const sending = legacy.stallNextDownload('slow.bin')
      // A timeout far beyond this test's: only the stop can end the download in time.
      const timer = timerWith({ timeoutMs: 600_000 }, source)
      const pass = timer.runDue()
      await sending
      await timer.stop()
      expect(await pass).toMatchObject([{ outcome: 'ok', report: { pulled: 0, failed: 1 } }])
      expect([await filesOf('CP-stalled'), await pulledOf('stalled'), await objectsOf('CP-stalled')]).toEqual(
        [[], [], []],
      )
    },
    SLOW,
  )

  test(
    'a server that is down is polled again later, less often while it stays down, and pulled once it is back',
    async () => {
      const box = await startLegacyFtpServer('box', 'box-secret-7')
      try {
        const source = sourceFor(box, 'offline')
        box.write('offline/log.csv', 'kWh;1\n')
        await box.stop()
        const timer = timerFor(source)
        expect(await only(timer)).toMatchObject({ outcome: 'failed' })
        advance(MINUTE) // one interval after the first failure: tried again
        expect(await only(timer)).toMatchObject({ outcome: 'failed' })
        advance(MINUTE) // after two failures in a row it waits two intervals
        expect(await only(timer)).toEqual({ source: 'offline', outcome: 'not-due' })
        await box.start()
        advance(MINUTE)
        expect(await only(timer)).toMatchObject({ outcome: 'ok', report: { pulled: 1 } })
        expect((await filesOf('CP-offline')).map((f) => f.name)).toEqual(['log.csv'])
      } finally {
        await box.close()
      }
    },
    SLOW,
  )

  test(
    'a source another replica holds is not polled by this one',
    async () => {
      const source = sourceFor(legacy, 'shared')
      legacy.write('shared/x.csv', 'x')
      const held = await claimPullLease(edge.deps.db, {
        source: 'shared',
        holder: 'another-replica',
        now,
        until: new Date(now.getTime() + 10 * MINUTE),
      })
      expect(held).toBe(true)
      const timer = timerFor(source)
      expect(await only(timer)).toEqual({ source: 'shared', outcome: 'leased' })
      expect(await filesOf('CP-shared')).toEqual([])
      // Its lease runs out without being renewed: this replica takes over.
      advance(11 * MINUTE)
      expect(await only(timer)).toMatchObject({ outcome: 'ok', report: { pulled: 1 } })
    },
    SLOW,
  )

  test(
    'a refused login is a failed poll',
    async () => {
      const right = sourceFor(legacy, 'refused')
      const source = { ...right, password: 'wrong-pw-9' }
      legacy.write('refused/x.csv', 'x')
      const outcome = await only(timerFor(source))
      expect(outcome).toMatchObject({ outcome: 'failed', error: expect.objectContaining({ code: 530 }) })
      expect(await filesOf('CP-refused')).toEqual([])
    },
    SLOW,
  )

  test('no password reached the logs or the metrics', async () => {
    const written = logLines.join('')
    expect(written).toContain('remote file pulled')
    expect(written).toContain('pull source failed')
    expect(written).toContain(`${legacy.user}:***@`)
    for (const secret of [legacy.password, 'box-secret-7', 'wrong-pw-9']) {
      expect(written).not.toContain(secret)
      expect(await registry.metrics()).not.toContain(secret)
    }
    expect(await registry.metrics()).toContain('ftp_pull_files_total{source="depot",outcome="pulled"} 4')
  })
})

test(
  'the app pulls by itself when FTP_PULL_SOURCES is set, and stops with the app',
  async () => {
    const box = await startLegacyFtpServer()
    mkdirSync(join(box.dir, 'out'))
    box.write('out/diag.zip', 'zipped')
    const running = await startTestEdge({
      FTP_PULL_SOURCES: JSON.stringify([
        { name: 'box', url: box.url('/out'), stationId: 'CP-BOX', intervalS: 3600 },
      ]),
    })
    try {
      let rows: unknown[] = []
      // The timer's first pass runs as the app gets ready; a busy machine may take a while.
      for (const deadline = performance.now() + 30_000; rows.length === 0 && performance.now() < deadline; ) {
        await new Promise((r) => setTimeout(r, 100))
        rows = (await sql`select name from ftp_files where station_id = 'CP-BOX'`.execute(running.db)).rows
      }
      expect(rows).toEqual([{ name: 'diag.zip' }])
      expect(await running.received()).toEqual([
        expect.objectContaining({ name: 'diag.zip', pulledFrom: 'box' }),
      ])
    } finally {
      await running.close()
      await box.close()
    }
  },
  SLOW,
)
