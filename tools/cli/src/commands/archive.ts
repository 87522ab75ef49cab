import { parseArgs } from 'node:util'
import {
  ARCHIVED_STREAMS,
  type ArchivedStream,
  type ArchiveRunResult,
  archivedStream,
  archiveStream,
  manifestsBetween,
  type VerifyReport,
  verifyStream,
} from '@chargebus/archive'
import { ensureStreams } from '@chargebus/bus'
import { Streams } from '@chargebus/events'
import { systemClock } from '@chargebus/platform'
import { bar, openArchiveCli, openArchiveStorage, parseTime } from '../archive-context.ts'
import type { Command } from '../context.ts'
import { createProgress } from '../progress.ts'

export const command: Command = {
  summary: 'archive streams to object storage, list the manifests, verify the archive',
  usage: `usage: chargebus archive run [--stream S] [--once] [--delay-ms N] [--json]
       chargebus archive list [--stream S] [--from T] [--to T] [--json]
       chargebus archive verify [--stream S] [--json]

run     archives ${ARCHIVED_STREAMS.join(', ')} (or --stream S) from their checkpoints, as the
        archiver service does; --once archives what is complete now and exits, else it follows
        (Ctrl-C stops; the batch being read is read again next time). Do not run it next to the
        archiver service: it would be harmless (manifests are createOnly) but wasted work.
list    the manifests whose messages fall in [--from, --to) (ISO 8601, or relative: --from=-2h, --to=-0s).
verify  re-reads every object: SHA-256, size and lines against the manifests, gaps between manifests,
        orphans. Exit 0 when all is well (orphans and recorded losses are reported, not failures), 1 if not.

Storage and NATS come from STORAGE_URL (default .local/storage), STORAGE_S3_*, NATS_URL and BUS_NAMESPACE;
--namespace NAME overrides the namespace. Progress goes to stderr; --json prints the result on stdout.`,

  async run(args, ctx) {
    const { positionals, values } = parseArgs({
      args,
      options: {
        stream: { type: 'string' },
        once: { type: 'boolean', default: false },
        'delay-ms': { type: 'string' },
        'batch-messages': { type: 'string' },
        from: { type: 'string' },
        to: { type: 'string' },
        json: { type: 'boolean', default: false },
        namespace: { type: 'string' },
      },
      strict: true,
      allowPositionals: true,
    })
    const [action, ...extra] = positionals
    if (extra.length > 0 || (action !== 'run' && action !== 'list' && action !== 'verify'))
      throw usageError('expected run, list or verify')
    const streams: ArchivedStream[] =
      values.stream !== undefined ? [archivedStream(values.stream)] : [...ARCHIVED_STREAMS]
    const progress = createProgress(ctx.stderr)
    const out = (value: unknown, text: string) =>
      ctx.stdout.write(values.json ? `${JSON.stringify(value)}\n` : text)

    if (action === 'list') {
      const storage = await openArchiveStorage(ctx.env)
      const now = systemClock()
      const from = parseTime(values.from, now, '--from')
      const to = parseTime(values.to, now, '--to')
      const rows = []
      for (const stream of streams)
        for await (const m of manifestsBetween(storage, stream, from, to)) {
          const { objects, ...rest } = m
          rows.push({ ...rest, objects: objects.length, bytes: objects.reduce((n, o) => n + o.bytes, 0) })
        }
      out(
        rows,
        rows
          .map(
            (r) =>
              `${r.stream} ${r.firstSeq}-${r.lastSeq} ${r.count} msgs ${r.firstTime ?? '-'} .. ${r.lastTime ?? '-'} ${r.objects} objects ${r.bytes} B${r.lost.length ? ` LOST ${JSON.stringify(r.lost)}` : ''}\n`,
          )
          .join(''),
      )
      return 0
    }

    if (action === 'verify') {
      const storage = await openArchiveStorage(ctx.env)
      const reports: VerifyReport[] = []
      for (const stream of streams)
        reports.push(
          await verifyStream(storage, stream, (done, total) => {
            const line = `verify ${stream} ${bar(done, total)} ${done}/${total} manifests`
            if (done === total) progress.done(line)
            else progress.update(line)
          }),
        )
      out(
        reports,
        reports
          .map(
            (r) =>
              `${r.stream}: ${r.ok ? 'ok' : 'NOT OK'}, ${r.manifests} manifests, ${r.objects} objects, ${r.messages} messages, ${r.firstSeq ?? '-'}..${r.lastSeq ?? '-'}, lost ${r.lost}, gaps ${JSON.stringify(r.gaps)}, orphans ${r.orphans.length}${r.problems.map((p) => `\n  ${p.key}: ${p.problem}`).join('')}\n`,
          )
          .join(''),
      )
      return reports.every((r) => r.ok) ? 0 : 1
    }

    const { access, storage } = await openArchiveCli(ctx.env, 'archive', values.namespace)
    const abort = new AbortController()
    const onSignal = () => abort.abort()
    process.once('SIGINT', onSignal)
    try {
      const delayMs = values['delay-ms'] !== undefined ? Number(values['delay-ms']) : 300_000
      const maxMessages = values['batch-messages'] !== undefined ? Number(values['batch-messages']) : 100_000
      if (!Number.isInteger(delayMs) || delayMs < 0 || !Number.isInteger(maxMessages) || maxMessages < 1)
        throw usageError('--delay-ms and --batch-messages must be whole numbers')
      await ensureStreams(
        access.jsm,
        access.ns,
        streams.map((s) => Streams[s]),
        access.streamOptions,
      )
      const results: ArchiveRunResult[] = await Promise.all(
        streams.map((stream) =>
          archiveStream({
            access,
            storage,
            stream,
            limits: { maxMessages, maxBytes: 64 * 1024 * 1024, delayMs },
            gzipLevel: 1,
            now: systemClock,
            logger: silentLogger,
            once: values.once,
            signal: abort.signal,
            onBatch: (b) =>
              progress.update(
                `archive ${stream} ${bar(b.manifest.lastSeq, b.streamLastSeq)} seq ${b.manifest.lastSeq}/${b.streamLastSeq}`,
              ),
          }),
        ),
      )
      progress.done(`archived ${results.reduce((n, r) => n + r.messages, 0)} messages`)
      out(
        results,
        results
          .map(
            (r) =>
              `${r.stream}: ${r.batches} batches, ${r.messages} messages, up to seq ${r.lastSeq}${r.lost ? `, LOST ${r.lost}` : ''}\n`,
          )
          .join(''),
      )
      return 0
    } finally {
      process.off('SIGINT', onSignal)
      await access.close()
    }
  },
}

const silentLogger = (await import('pino')).pino({ level: 'silent' })

function usageError(message: string): Error {
  return Object.assign(new Error(message), { code: 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' })
}
