import { parseArgs } from 'node:util'
import { connectCommandBus } from '../config.ts'
import type { CommandContext, Output } from '../context.ts'
import { parseEvents, readText } from './read-events.ts'

const PROGRESS_EVERY = 1000

/**
 * `events publish`: validates everything on stdin first (bad input publishes nothing), then publishes each
 * event durably through the bus (catalog headers, Nats-Msg-Id) and prints what the stream stored.
 */
export async function publishEvents(args: string[], ctx: CommandContext): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      subject: { type: 'string' },
      namespace: { type: 'string' },
      json: { type: 'boolean', default: false },
    },
    strict: true,
  })
  const events = parseEvents(await readText(ctx.stdin), { subject: values.subject })
  const bus = await connectCommandBus(ctx.env, 'events publish', values.namespace)
  const progress = progressReporter(ctx.stderr, events.length)
  let duplicates = 0
  try {
    // One at a time, in input order: a review loop wants the stream order to be the input order.
    for (const e of events) {
      const stored = await bus.publish(e.def, e.data as never, { msgId: e.msgId })
      if (stored.duplicate) duplicates++
      const line = values.json
        ? JSON.stringify({
            event: e.def.name,
            version: e.def.version,
            subject: e.subject,
            msgId: e.msgId,
            ...stored,
          })
        : `${stored.duplicate ? 'duplicate' : 'stored'} ${stored.stream} seq ${stored.seq} ${e.subject} (${e.def.name}@${e.def.version}, msgId ${e.msgId})`
      ctx.stdout.write(`${line}\n`)
      progress(e.index)
    }
  } finally {
    await bus.close()
  }
  if (!values.json) ctx.stderr.write(`published ${events.length} event(s), ${duplicates} duplicate(s)\n`)
  return 0
}

/** A progress line on stderr: redrawn on a terminal, every PROGRESS_EVERY events otherwise; silent for small inputs. */
export function progressReporter(stderr: Output, total: number): (done: number) => void {
  if (total < PROGRESS_EVERY) return () => {}
  const tty = (stderr as Output & { isTTY?: boolean }).isTTY === true
  return (done) => {
    if (tty)
      stderr.write(`\r${done}/${total} (${Math.floor((done / total) * 100)}%)${done === total ? '\n' : ''}`)
    else if (done % PROGRESS_EVERY === 0 || done === total) stderr.write(`${done}/${total}\n`)
  }
}
