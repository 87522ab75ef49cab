import { parseArgs } from 'node:util'
import { sampleEvents } from '@chargebus/events'
import { usageError } from '../commands/events.ts'
import type { CommandContext } from '../context.ts'

/** `events generate`: valid samples, one JSON line each (validated by the catalog in `sampleEvents`). */
export async function generateEvents(args: string[], { stdout }: CommandContext): Promise<number> {
  const { positionals, values } = parseArgs({
    args,
    options: {
      station: { type: 'string', multiple: true },
      count: { type: 'string' },
      // Output is JSON anyway; accepted so that every data-printing command takes --json.
      json: { type: 'boolean', default: false },
    },
    strict: true,
    allowPositionals: true,
  })
  const [query, ...extra] = positionals
  if (query === undefined || extra.length > 0) throw usageError('expected one event name or subject')
  const count = values.count === undefined ? 1 : Number(values.count)
  if (!Number.isInteger(count) || count < 1 || count > 100_000)
    throw usageError('--count must be an integer from 1 to 100000')
  const stations = values.station ?? []
  if (stations.some((s) => s === '')) throw usageError('--station must not be empty')
  for (const sample of sampleEvents(query, { stations, count })) stdout.write(`${JSON.stringify(sample)}\n`)
  return 0
}
