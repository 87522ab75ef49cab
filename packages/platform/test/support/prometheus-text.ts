/** One sample line of the Prometheus text exposition format. */
export interface Sample {
  name: string
  labels: Record<string, string>
  value: number
}

export interface MetricFamily {
  type: string
  help: string
  samples: Sample[]
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)(?: -?\d+)?$/
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"(?:,|$)/gy
const SUFFIXES = ['_bucket', '_sum', '_count', '_total', '_created']

/**
 * A strict reader of the Prometheus text format (version 0.0.4): every sample must belong to a
 * family declared with `# HELP` and `# TYPE`, labels must be well formed and values numbers.
 * Throws on the first line that is not; used to prove `/metrics` is scrapeable.
 */
export function parsePrometheusText(text: string): Map<string, MetricFamily> {
  const families = new Map<string, MetricFamily>()
  for (const [index, line] of text.split('\n').entries()) {
    if (line === '') continue
    const fail = (why: string) => new Error(`line ${index + 1}: ${why}: ${line}`)
    if (line.startsWith('# HELP ') || line.startsWith('# TYPE ')) {
      const [, kind, name, ...rest] = line.split(' ')
      if (!name) throw fail('comment without a metric name')
      const family = families.get(name) ?? { type: '', help: '', samples: [] }
      if (kind === 'HELP') family.help = rest.join(' ')
      else family.type = rest[0] ?? ''
      families.set(name, family)
      continue
    }
    if (line.startsWith('#')) continue
    const match = SAMPLE.exec(line)
    if (!match) throw fail('not a sample')
    const [, name = '', labelText = '', valueText = ''] = match
    const value = parseValue(valueText)
    if (value === undefined) throw fail('value is not a number')
    const labels: Record<string, string> = {}
    LABEL.lastIndex = 0
    while (LABEL.lastIndex < labelText.length) {
      const label = LABEL.exec(labelText)
      if (!label) throw fail('malformed labels')
      labels[label[1] ?? ''] = label[2] ?? ''
    }
    const familyName =
      [name, ...SUFFIXES.filter((s) => name.endsWith(s)).map((s) => name.slice(0, -s.length))].find((n) =>
        families.has(n),
      ) ?? ''
    const family = families.get(familyName)
    if (!family?.type || !family.help) throw fail('sample without # HELP and # TYPE')
    family.samples.push({ name, labels, value })
  }
  return families
}

/** Like Prometheus (Go's ParseFloat): NaN and [+-]Inf in any case; prom-client writes `Nan`. */
function parseValue(text: string): number | undefined {
  const lower = text.toLowerCase()
  if (lower === 'nan') return Number.NaN
  if (lower === '+inf' || lower === 'inf') return Number.POSITIVE_INFINITY
  if (lower === '-inf') return Number.NEGATIVE_INFINITY
  const value = Number(text)
  return text.trim() === '' || Number.isNaN(value) ? undefined : value
}
