import { parseArgs } from 'node:util'
import { loadConfig, systemClock } from '@chargebus/platform'
import { KvBuckets, kvKey } from '@chargebus/station-registry'
import { parseTime } from '../archive-context.ts'
import { connectCommandBus, TraceUiConfig } from '../config.ts'
import type { Command } from '../context.ts'
import { NotFoundError } from '../errors.ts'
import { createProgress } from '../progress.ts'
import { hasAnyStationMessage, readLatestStationMessages, type TraceEntry } from '../trace/latest-messages.ts'
import { type Outcome, outcomeOf, outcomeText } from '../trace/outcome.ts'
import { usageError } from '../usage-error.ts'

export const command: Command = {
  summary: "a station's last messages with their outcome and trace id (and a link to the trace UI)",
  usage: `usage: chargebus trace STATION [--since DURATION|TIME] [--limit N] [--json] [--namespace NS]

The station's newest entries in the OCPP_IN journal, oldest first and the newest last: what the gateway stored
(ocpp.in.*) and the faults it answered (ocpp.fault.*). Columns: time received, OCPP action, message id,
outcome (answered, pending, rejected STATUS, faulted CODE [ERROR_CODE], stored) and the W3C trace id from the
message's traceparent header (- when it was published without tracing). With CHARGEBUS_TRACE_URL set (an URL
with {traceId}, e.g. http://localhost:16686/trace/{traceId} for Jaeger) each sampled trace gets its link.
--since     only messages stored since then: a duration back from now (15m, 2h, 7d, or -2h) or an ISO 8601 time
--limit N   at most N messages, the newest (default 50); stderr says when older ones were left out
--json      one JSON document: { stationId, since, items: [...], more }
Reads the station's subjects only (NATS_URL and its credential variables); progress on stderr for long reads.
Exit 1 when the station is unknown (no journal entry at all and no station record), 2 on a wrong command line.`,

  async run(args, { env, stdout, stderr, clock = systemClock }) {
    const { positionals, values } = parseArgs({
      args,
      options: {
        since: { type: 'string' },
        limit: { type: 'string', default: '50' },
        json: { type: 'boolean', default: false },
        namespace: { type: 'string' },
      },
      strict: true,
      allowPositionals: true,
    })
    const [stationId, ...extra] = positionals
    if (stationId === undefined || stationId === '') throw usageError('expected STATION')
    if (extra.length > 0) throw usageError(`unexpected ${extra.join(' ')}`)
    const limit = Number(values.limit)
    if (!/^\d+$/.test(values.limit) || !Number.isSafeInteger(limit) || limit < 1)
      throw usageError('--limit must be a positive integer')
    // `--since 2h` reads as "the last two hours"; parseTime takes the signed form (`-2h`) and ISO times.
    const since =
      values.since === undefined
        ? undefined
        : parseTime(/^\d+[smhd]$/.test(values.since) ? `-${values.since}` : values.since, clock(), '--since')
    const { CHARGEBUS_TRACE_URL: traceUrl } = loadConfig(TraceUiConfig, env)

    const bus = await connectCommandBus(env, 'trace', values.namespace)
    try {
      const progress = createProgress(stderr)
      // The first window is one quick read; a progress line only once the read goes further back.
      const read = await readLatestStationMessages(bus, { stationId, limit, since }, (p) => {
        if (p.window > 1)
          progress.update(`trace ${stationId}: sequences ${p.fromSeq}-${p.toSeq}, ${p.found} found`)
      })
      progress.done()
      if (read.items.length === 0) {
        const known =
          (await hasAnyStationMessage(bus, stationId)) ||
          (await (await bus.kv(KvBuckets.stations)).get(kvKey(stationId)))?.operation === 'PUT'
        if (!known)
          throw new NotFoundError(
            `unknown station ${stationId}: no entry in OCPP_IN and no station record (chargebus station show ${stationId})`,
          )
      }
      const rows = read.items.map((m) => toRow(m, traceUrl))
      if (values.json) {
        const doc = { stationId, since: since?.toISOString() ?? null, items: rows, more: read.more }
        stdout.write(`${JSON.stringify(doc, null, 2)}\n`)
      } else if (rows.length === 0) {
        stdout.write(
          `no messages from ${stationId}${since ? ` since ${since.toISOString()}` : ' in OCPP_IN'}\n`,
        )
      } else {
        stdout.write(renderTable(rows, traceUrl !== undefined))
      }
      if (read.more && !values.json)
        stderr.write(`(the last ${limit}; older ones left out, --limit shows more)\n`)
      return 0
    } finally {
      await bus.close()
    }
  },
}

interface Row {
  seq: number
  receivedAt: string
  ocppVersion: '1.5' | '1.6'
  action: string
  messageId: string | null
  outcome: Outcome
  traceId: string | null
  traceSampled: boolean
  traceUrl: string | null
}

function toRow(m: TraceEntry, traceUrl: string | undefined): Row {
  return {
    seq: m.seq,
    receivedAt: m.receivedAt,
    ocppVersion: m.ocppVersion,
    action: m.action,
    messageId: m.messageId,
    outcome: outcomeOf(m),
    traceId: m.traceId,
    traceSampled: m.traceSampled,
    // An unsampled trace was never exported: its link would lead to "trace not found".
    traceUrl:
      traceUrl === undefined || m.traceId === null || !m.traceSampled
        ? null
        : traceUrl.replaceAll('{traceId}', m.traceId),
  }
}

function renderTable(rows: Row[], withLinks: boolean): string {
  const header = ['TIME', 'ACTION', 'MESSAGE ID', 'OUTCOME', 'TRACE ID', ...(withLinks ? ['LINK'] : [])]
  const cells = rows.map((r) => [
    r.receivedAt,
    r.action,
    r.messageId ?? '-',
    outcomeText(r.outcome),
    r.traceId ?? '-',
    ...(withLinks ? [r.traceUrl ?? '-'] : []),
  ])
  const widths = header.map((h, j) => Math.max(h.length, ...cells.map((c) => (c[j] as string).length)))
  const line = (c: string[]) =>
    `${c.map((cell, j) => (j < c.length - 1 ? cell.padEnd(widths[j] as number) : cell)).join('  ')}\n`
  return [header, ...cells].map(line).join('')
}
