import { parseArgs } from 'node:util'
import type { StreamPosition } from '@chargebus/bus'
import { connectCommandBus } from '../config.ts'
import type { Command } from '../context.ts'
import { createProgress } from '../progress.ts'
import { usageError } from '../usage-error.ts'

export const command: Command = {
  summary: "re-deliver a stream's history to one consumer (its replay lane), leaving the others alone",
  usage: `usage: chargebus replay --stream S --from TIME|SEQ [--to TIME|SEQ] [--subject FILTER] --into DURABLE
                        [--into-stream S] [--id ID] [--json]

Reads stream S in order from --from (an ISO time such as 2026-11-26T00:00:00Z, or a sequence) to --to
(inclusive; default: the last message when the replay starts), keeps the messages whose original subject
matches --subject (e.g. 'ocpp.in.*.CP-1.>') and the consumer's own filter, and publishes each into the replay
lane of consumer DURABLE: its service handles them with its normal handler, retries and dead letters; no other
consumer sees them. S is a catalog stream (OCPP_IN, DOMAIN, ...) or a restore stream (chargebus restore).
The consumer must exist with its lane (its service ran once); --into-stream names its stream when the durable
name exists on several. The replay pauses while the lane holds 10,000 unhandled messages.

Each copy's Nats-Msg-Id is <replay id>:<original sequence>: running the same --id again within two minutes
stores nothing twice; a new replay (a new id) re-delivers. Consumers are idempotent, so a repeated replay
changes nothing either way.

Progress goes to stderr; the summary (replay id, count, skipped, duplicates, first/last sequence) to stdout.
--namespace NAME targets a bus namespace (tests).`,

  async run(args, { env, stdout, stderr }) {
    const { values, positionals } = parseArgs({
      args,
      options: {
        stream: { type: 'string' },
        from: { type: 'string' },
        to: { type: 'string' },
        subject: { type: 'string' },
        into: { type: 'string' },
        'into-stream': { type: 'string' },
        id: { type: 'string' },
        json: { type: 'boolean', default: false },
        namespace: { type: 'string' },
      },
      strict: true,
      allowPositionals: true,
    })
    if (positionals.length > 0) throw usageError(`unexpected ${positionals.join(' ')}`)
    const { stream, into } = values
    if (!stream) throw usageError('--stream is required')
    if (!into) throw usageError('--into is required')
    if (!values.from) throw usageError('--from is required')
    const from = position(values.from, '--from')
    const to = values.to === undefined ? undefined : position(values.to, '--to')

    const bus = await connectCommandBus(env, 'replay', values.namespace)
    const progress = createProgress(stderr)
    try {
      const summary = await bus.replay({
        stream,
        from,
        ...(to ? { to } : {}),
        ...(values.subject ? { subject: values.subject } : {}),
        into,
        ...(values['into-stream'] ? { intoStream: values['into-stream'] } : {}),
        ...(values.id ? { replayId: values.id } : {}),
        onProgress: (p) =>
          progress.update(
            `replay ${p.replayId}: ${p.count} replayed, ${p.skipped} skipped, at ${p.seq} of ${p.lastSeq}`,
          ),
      })
      progress.done()
      stdout.write(
        values.json
          ? `${JSON.stringify(summary, null, 2)}\n`
          : `replay ${summary.replayId}: ${summary.count} messages of ${summary.stream} ` +
              `(sequences ${summary.firstSeq ?? '-'}..${summary.lastSeq ?? '-'}) into ${summary.into.durable} ` +
              `on ${summary.into.stream}; ${summary.skipped} skipped, ${summary.duplicates} already there\n`,
      )
      return 0
    } finally {
      await bus.close()
    }
  },
}

/** A sequence (digits) or an ISO 8601 time with a zone. */
function position(text: string, name: string): StreamPosition {
  if (/^\d+$/.test(text)) {
    const seq = Number(text)
    if (!Number.isSafeInteger(seq) || seq < 1) throw usageError(`${name} must be a positive sequence`)
    return { seq }
  }
  const time = new Date(text)
  if (!/^\d{4}-\d\d-\d\dT.*(Z|[+-]\d\d:?\d\d)$/.test(text) || Number.isNaN(time.getTime()))
    throw usageError(`${name} must be a sequence or an ISO time with a zone (got ${JSON.stringify(text)})`)
  return { time }
}
