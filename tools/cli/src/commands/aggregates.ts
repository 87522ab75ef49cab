import { parseArgs } from 'node:util'
import {
  AGGREGATED_EVENTS,
  type AggregatedEvent,
  type RebuildSummary,
  rebuild,
} from '@chargebus/aggregator/admin'
import {
  historyGaps,
  manifests,
  manifestsBetween,
  mergeObjects,
  payloadOf,
  type SeqRange,
} from '@chargebus/archive'
import { decodeArchivedMessage, indexEvents } from '@chargebus/bus'
import { createDb } from '@chargebus/db'
import { loadConfig } from '@chargebus/platform'
import type { ObjectStorage } from '@chargebus/storage'
import { pino } from 'pino'
import { bar, openArchiveStorage } from '../archive-context.ts'
import { connectCommandBus, DatabaseConfig } from '../config.ts'
import type { Command } from '../context.ts'
import { HistoryGapError } from '../errors.ts'
import { createProgress } from '../progress.ts'
import { usageError } from '../usage-error.ts'

export const command: Command = {
  summary: 'rebuild the rollups from the log (DOMAIN and the archive) and swap them in atomically',
  usage: `usage: chargebus aggregates rebuild [--from TIME] [--station ID] [--allow-gaps] [--json]

Recomputes the aggregator's rollups (aggregates and its facts tables) from the domain events into shadow
tables (schema aggregates_rebuild), with the aggregator's own apply code, then replaces the live rows in ONE
transaction: the API keeps serving the old rows until the swap commits, then the new ones. The running
aggregator keeps consuming; its writers wait for the swap, then merge on top (idempotently).

--from TIME   history starts at TIME (ISO with a zone); default: DOMAIN's first message. Older than DOMAIN's
              first message: the archived DOMAIN objects (STORAGE_URL) from TIME, then the stream. Events
              before TIME are not in the result. Refused (CLI_ERR_HISTORY_GAP, nothing swapped) when some
              sequences are in neither: the archiver recorded them as lost, or they left the stream before it
              ran.
--allow-gaps  rebuild anyway, without those sequences; the summary lists them (gaps).
--station ID  rebuild and swap only this station's cells and facts.
AGGREGATOR_TIME_ZONE must be the running service's. Progress goes to stderr and, about once a second, to the
table aggregate_rebuilds, which the aggregator's /metrics reads (aggregator_rebuild_*); the summary to stdout.
--namespace NAME targets a bus namespace (tests).`,

  async run(args, { env, stdout, stderr }) {
    const { values, positionals } = parseArgs({
      args,
      options: {
        from: { type: 'string' },
        station: { type: 'string' },
        json: { type: 'boolean', default: false },
        'allow-gaps': { type: 'boolean', default: false },
        namespace: { type: 'string' },
      },
      strict: true,
      allowPositionals: true,
    })
    if (positionals[0] !== 'rebuild' || positionals.length !== 1)
      throw usageError('the one subcommand is: rebuild')
    const from = values.from === undefined ? undefined : time(values.from)
    if (values.station !== undefined && values.station === '') throw usageError('--station needs an id')

    const { DATABASE_URL } = loadConfig(DatabaseConfig, env)
    const db = createDb({ url: DATABASE_URL, poolSize: 1, applicationName: 'chargebus-cli aggregates' })
    const bus = await connectCommandBus(env, 'aggregates', values.namespace)
    const progress = createProgress(stderr)
    let storage: ObjectStorage | undefined
    let gaps: SeqRange[] = []
    try {
      const summary = await rebuild({
        env,
        db,
        bus,
        // Warnings (a progress record not written, shadow tables not dropped) beside the progress, on stderr.
        logger: pino({ level: env.LOG_LEVEL ?? 'warn' }, { write: (line: string) => stderr.write(line) }),
        from,
        stationId: values.station,
        archived: async function* (start, beforeSeq) {
          storage ??= await openArchiveStorage(env)
          const all = []
          for await (const m of manifests(storage, 'DOMAIN')) all.push(m)
          gaps = historyGaps(all, start, beforeSeq)
          if (gaps.length > 0 && !values['allow-gaps']) throw new HistoryGapError(gaps)
          yield* archivedEvents(storage, start, beforeSeq)
        },
        onProgress: (p) =>
          progress.update(
            p.phase === 'archive'
              ? `rebuild: archive, ${p.events} events`
              : p.phase === 'write'
                ? `rebuild: write ${bar(p.stations ?? 0, p.totalStations ?? 0)} ${p.stations} of ${p.totalStations} stations`
                : `rebuild: ${p.phase} ${bar(p.seq, p.endSeq)} seq ${p.seq} of ${p.endSeq}, ${p.events} events`,
          ),
      })
      progress.done()
      stdout.write(
        values.json
          ? `${JSON.stringify({ ...summary, gaps }, null, 2)}\n`
          : `rebuilt ${summary.stationId ?? 'all stations'}: ${summary.archivedEvents} archived + ` +
              `${summary.streamEvents} stream events (sequences ${summary.firstSeq ?? '-'}..${summary.lastSeq ?? '-'}), ` +
              `${summary.rows.aggregates ?? 0} cells (${changedCells(summary)} changed) in ${summary.durationMs} ms\n`,
      )
      return 0
    } finally {
      await bus.close()
      await db.destroy()
    }
  },
}

/** Archived DOMAIN messages with stream time >= `from` and sequence < `beforeSeq`, decoded, in pages. */
async function* archivedEvents(
  storage: ObjectStorage,
  from: Date,
  beforeSeq: number,
): AsyncGenerator<AggregatedEvent[]> {
  const aggregated = indexEvents(AGGREGATED_EVENTS)
  for await (const manifest of manifestsBetween(storage, 'DOMAIN', from)) {
    if (manifest.firstSeq >= beforeSeq) return
    const page: AggregatedEvent[] = []
    for await (const m of mergeObjects(storage, manifest.objects)) {
      if (m.seq >= beforeSeq || Date.parse(m.time) < from.getTime()) continue
      const event = decodeArchivedMessage(
        {
          seq: m.seq,
          subject: m.subject,
          time: new Date(m.time),
          headers: m.headers ?? {},
          payload: payloadOf(m),
        },
        aggregated,
      )
      if (event) page.push(event as unknown as AggregatedEvent)
    }
    yield page
  }
}

function time(text: string): Date {
  const t = new Date(text)
  if (!/^\d{4}-\d\d-\d\dT.*(Z|[+-]\d\d:?\d\d)$/.test(text) || Number.isNaN(t.getTime()))
    throw usageError(`--from must be an ISO time with a zone (got ${JSON.stringify(text)})`)
  return t
}

/** Cells the swap wrote: a rebuild of correct rollups changes none. */
function changedCells(summary: RebuildSummary): number {
  const w = summary.written.aggregates
  return w === undefined ? 0 : w.inserted + w.updated + w.deleted
}
