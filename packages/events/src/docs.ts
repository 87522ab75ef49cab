import type { TSchema } from 'typebox'
import { catalog } from './catalog.ts'
import type { AnyEventDefinition } from './define-event.ts'
import { allStreams, type StreamDefinition } from './streams.ts'

const DAY = 86_400_000

/** Markdown reference of the streams and events (`pnpm --filter @chargebus/events docs`). */
export function catalogDocs(
  events: readonly AnyEventDefinition[] = catalog,
  streams: readonly StreamDefinition[] = allStreams,
): string {
  const out = ['# Event catalog', '', '## Streams', '']
  out.push('| stream | subjects | max age | max bytes | discard | description |', '|---|---|---|---|---|---|')
  for (const s of streams) {
    const subjects = s.subjects.map((x) => `\`${x}\``).join(', ')
    const age = `${Math.round(s.maxAgeMs / DAY)} d`
    out.push(
      `| ${s.name} | ${subjects} | ${age} | ${formatBytes(s.maxBytes)} | ${s.discard} | ${s.description} |`,
    )
  }
  out.push('', '## Events', '')
  for (const e of events) {
    out.push(`### ${e.name} v${e.version}`, '', e.description, '')
    out.push(
      `- stream: ${e.stream.name}`,
      `- subject: \`${e.subject.pattern}\` (filter \`${e.subject.filter}\`)`,
      '',
    )
    out.push(...propertyTable(e.schema))
    out.push('', 'Example:', '', '```json', JSON.stringify(e.examples[0], null, 2), '```', '')
  }
  return out.join('\n')
}

function propertyTable(schema: TSchema, prefix = ''): string[] {
  const s = schema as { properties?: Record<string, TSchema>; required?: string[] }
  if (!s.properties) return []
  const rows = prefix ? [] : ['| field | type | required | description |', '|---|---|---|---|']
  for (const [key, prop] of Object.entries(s.properties)) {
    const p = prop as { description?: string; type?: string; properties?: unknown }
    const required = s.required?.includes(key) ? 'yes' : 'no'
    rows.push(`| ${prefix}${key} | ${typeName(prop)} | ${required} | ${p.description ?? ''} |`)
    if (p.type === 'object' && p.properties) rows.push(...propertyTable(prop, `${prefix}${key}.`))
  }
  return rows
}

function typeName(schema: TSchema): string {
  const s = schema as {
    type?: string
    const?: unknown
    anyOf?: TSchema[]
    items?: TSchema
    format?: string
    patternProperties?: Record<string, TSchema>
  }
  if (s.const !== undefined) return `\`${JSON.stringify(s.const)}\``
  if (s.anyOf) return s.anyOf.map(typeName).join(' \\| ')
  if (s.type === 'array' && s.items) return `${typeName(s.items)}[]`
  if (s.type === 'object' && s.patternProperties) {
    const value = Object.values(s.patternProperties)[0]
    return `record<string, ${value ? typeName(value) : 'unknown'}>`
  }
  if (s.format) return `${s.type} (${s.format})`
  return s.type ?? 'unknown'
}

function formatBytes(n: number): string {
  const GiB = 1024 ** 3
  return n >= GiB ? `${n / GiB} GiB` : `${n / 1024 ** 2} MiB`
}
