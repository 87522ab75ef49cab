import { hostname, userInfo } from 'node:os'
import { parseArgs } from 'node:util'
import type { Bus, DeadLetter } from '@chargebus/bus'
import { connectCommandBus } from '../config.ts'
import type { Command, Output } from '../context.ts'
import { createProgress } from '../progress.ts'
import { usageError } from '../usage-error.ts'

export const command: Command = {
  summary: 'list, show, retry or drop dead letters (messages a consumer gave up on)',
  usage: `usage: chargebus dlq list [--stream S] [--consumer C] [--limit N] [--json]
       chargebus dlq show ID [--json]
       chargebus dlq retry ID [--json]
       chargebus dlq retry --all [--stream S] [--consumer C] [--json]
       chargebus dlq drop ID [--by NAME] [--json]

A dead letter's ID is its sequence in the DEAD_LETTERS stream (list shows it).
  list    oldest first: id, time, stream/consumer, subject, reason, error, attempts
  show    subject, headers, payload, error, attempts, reason and times of one dead letter
  retry   publishes the original payload and headers into the replay lane of the consumer that failed it (its
          service must run with the fix), then deletes the dead letter; --all retries every one matching the
          filters, with progress on stderr
  drop    deletes it; who (--by, default user@host) and when are logged first
--namespace NAME targets a bus namespace (tests). Exit 1 when an ID is unknown or a retry failed.`,

  async run(args, { env, stdout, stderr }) {
    const { positionals, values } = parseArgs({
      args,
      options: {
        stream: { type: 'string' },
        consumer: { type: 'string' },
        limit: { type: 'string', default: '100' },
        all: { type: 'boolean', default: false },
        by: { type: 'string' },
        json: { type: 'boolean', default: false },
        namespace: { type: 'string' },
      },
      strict: true,
      allowPositionals: true,
    })
    const [action, idText, ...extra] = positionals
    if (extra.length > 0) throw usageError(`unexpected ${extra.join(' ')}`)
    const needsId = action === 'show' || action === 'drop' || (action === 'retry' && !values.all)
    if (!['list', 'show', 'retry', 'drop'].includes(action ?? ''))
      throw usageError('expected list, show ID, retry ID|--all or drop ID')
    if (needsId && idText === undefined) throw usageError(`${action} needs an ID`)
    if (!needsId && idText !== undefined) throw usageError(`${action} takes no ID`)
    const id = idText === undefined ? 0 : positiveInt(idText, 'ID')
    const limit = positiveInt(values.limit, '--limit')
    const filter = {
      ...(values.stream ? { stream: values.stream } : {}),
      ...(values.consumer ? { consumer: values.consumer } : {}),
    }

    const bus = await connectCommandBus(env, 'dlq', values.namespace)
    try {
      const out = (value: unknown, text: string) =>
        stdout.write(values.json ? `${JSON.stringify(value, null, 2)}\n` : text)
      switch (action) {
        case 'list': {
          const page = await bus.deadLetters.list({ ...filter, limit })
          out(page, page.items.map(listLine).join('') || 'no dead letters\n')
          if (page.next !== undefined && !values.json) stderr.write(`(first ${limit}; --limit shows more)\n`)
          return 0
        }
        case 'show': {
          const letter = await bus.deadLetters.get(id)
          out(letter, showText(letter))
          return 0
        }
        case 'drop': {
          const by = values.by ?? `${userInfo().username}@${hostname()}`
          const dropped = await bus.deadLetters.drop(id, by)
          out(
            dropped,
            `dropped dead letter ${id} (${dropped.record.subject}) by ${by} at ${dropped.droppedAt}\n`,
          )
          return 0
        }
        default: {
          if (!values.all) {
            const retried = await bus.deadLetters.retry(id)
            out(
              retried,
              `retried dead letter ${id} into the lane of ${retried.consumer} on ${retried.stream}\n`,
            )
            return 0
          }
          return await retryAll(bus, filter, values.json, stdout, stderr)
        }
      }
    } finally {
      await bus.close()
    }
  },
}

async function retryAll(
  bus: Bus,
  filter: { stream?: string; consumer?: string },
  json: boolean,
  stdout: Output,
  stderr: Output,
): Promise<number> {
  const progress = createProgress(stderr)
  const retried: number[] = []
  const failed: { id: number; error: string }[] = []
  let after = 0
  for (;;) {
    const page = await bus.deadLetters.list({ ...filter, after, limit: 200 })
    for (const letter of page.items) {
      try {
        await bus.deadLetters.retry(letter.id)
        retried.push(letter.id)
      } catch (err) {
        failed.push({ id: letter.id, error: err instanceof Error ? err.message : String(err) })
      }
      progress.update(`dlq retry: ${retried.length} retried, ${failed.length} failed (id ${letter.id})`)
    }
    if (page.next === undefined) break
    after = page.next
  }
  progress.done()
  const summary = { retried: retried.length, failed }
  stdout.write(
    json
      ? `${JSON.stringify(summary, null, 2)}\n`
      : `retried ${retried.length} dead letters${failed.map((f) => `\nfailed ${f.id}: ${f.error}`).join('')}\n`,
  )
  return failed.length > 0 ? 1 : 0
}

function listLine({ id, record: r }: DeadLetter): string {
  const error = r.error.code ?? r.error.name
  return `${id}\t${r.deadLetteredAt}\t${r.stream}/${r.consumer}\t${r.subject}\t${r.reason}\t${error}: ${r.error.message}\t${r.deliveryCount}/${r.maxDeliver}\n`
}

function showText({ id, record: r }: DeadLetter): string {
  const headers = Object.entries(r.headers).flatMap(([k, vs]) => vs.map((v) => `  ${k}: ${v}`))
  return [
    `id:        ${id}`,
    `stream:    ${r.stream} (sequence ${r.streamSequence})`,
    `consumer:  ${r.consumer}`,
    `subject:   ${r.subject}`,
    `event:     ${r.event ? `${r.event.name} v${r.event.version}` : '-'}`,
    `msgId:     ${r.msgId ?? '-'}`,
    `reason:    ${r.reason}`,
    `error:     ${r.error.code ? `${r.error.code} ` : ''}${r.error.name}: ${r.error.message}`,
    `attempts:  ${r.deliveryCount} of ${r.maxDeliver}`,
    `stored:    ${r.publishedAt}`,
    `failed:    ${r.deadLetteredAt}`,
    'headers:',
    ...headers,
    `payload (${r.payloadEncoding}):`,
    r.payloadEncoding === 'omitted' ? '  (too large; read it from the stream by sequence)' : r.payload,
    '',
  ].join('\n')
}

function positiveInt(text: string, name: string): number {
  const n = Number(text)
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(n) || n < 1)
    throw usageError(`${name} must be a positive integer`)
  return n
}
