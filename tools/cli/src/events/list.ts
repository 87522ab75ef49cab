import { parseArgs } from 'node:util'
import { catalog } from '@chargebus/events'
import type { CommandContext } from '../context.ts'

/** `events list`: the catalog, one line per event (and its JSON Schema with --schemas), or JSON. */
export async function listEvents(args: string[], { stdout }: CommandContext): Promise<number> {
  const { values } = parseArgs({
    args,
    options: { schemas: { type: 'boolean', default: false }, json: { type: 'boolean', default: false } },
    strict: true,
  })
  if (values.json) {
    const list = catalog.map((e) => ({
      name: e.name,
      version: e.version,
      stream: e.stream.name,
      subject: e.subject.pattern,
      filter: e.subject.filter,
      description: e.description,
      schema: e.schema,
      examples: e.examples,
    }))
    stdout.write(`${JSON.stringify(list, null, 2)}\n`)
    return 0
  }
  const rows = catalog.map((e) => [`${e.name}@${e.version}`, e.stream.name, e.subject.pattern, e.description])
  const widths = [0, 1, 2].map((i) => Math.max(...rows.map((r) => (r[i] as string).length)))
  for (const [i, row] of rows.entries()) {
    stdout.write(`${row.map((cell, j) => (j < 3 ? cell.padEnd(widths[j] as number) : cell)).join('  ')}\n`)
    if (values.schemas) stdout.write(`${JSON.stringify(catalog[i]?.schema, null, 2)}\n\n`)
  }
  return 0
}
