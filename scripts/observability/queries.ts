import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { parse } from 'yaml'

/*
 * The PromQL the repository's dashboard and alert rules run, read from the files themselves, so the offline
 * check (scripts/check-dashboard.ts) and the live one (test/integration/observability-metrics.test.ts) never
 * work from a list that could drift from what Grafana and Prometheus load.
 */

export const REPO_ROOT = join(import.meta.dirname, '..', '..')
export const DASHBOARDS_DIR = join(REPO_ROOT, 'docker', 'grafana', 'dashboards')
export const RULES_DIR = join(REPO_ROOT, 'docker', 'prometheus')
export const DATASOURCES_DIR = join(REPO_ROOT, 'docker', 'grafana', 'provisioning', 'datasources')

/** One PromQL expression and where it is written (for messages). */
export interface Query {
  where: string
  expr: string
}

/** The dashboard JSON files (every `*.json` of docker/grafana/dashboards). */
export function dashboardFiles(): string[] {
  return readdirSync(DASHBOARDS_DIR)
    .filter((f) => f.endsWith('.json'))
    .map((f) => join(DASHBOARDS_DIR, f))
}

/** The Prometheus rule files (`alerts*.yml` beside prometheus.yml, which loads that glob). */
export function ruleFiles(): string[] {
  return readdirSync(RULES_DIR)
    .filter((f) => /^alerts.*\.ya?ml$/.test(f))
    .map((f) => join(RULES_DIR, f))
}

interface Panel {
  id?: unknown
  title?: unknown
  type?: unknown
  panels?: Panel[]
  targets?: Array<{ expr?: unknown; refId?: unknown }>
}

/** Every panel of a dashboard, those nested in collapsed rows included. */
export function panelsOf(dashboard: { panels?: Panel[] }): Panel[] {
  return (dashboard.panels ?? []).flatMap((p) => [p, ...(p.panels ?? [])])
}

/** The expressions of a parsed dashboard, one per target. */
export function dashboardQueries(dashboard: { panels?: Panel[] }, file: string): Query[] {
  return panelsOf(dashboard).flatMap((p) =>
    (p.targets ?? [])
      .filter((t) => typeof t.expr === 'string')
      .map((t) => ({
        where: `${file}: panel ${String(p.id)} "${String(p.title)}" ${String(t.refId)}`,
        expr: t.expr as string,
      })),
  )
}

/** The `expr` of every alerting and recording rule of a rule file's text. */
export function ruleQueries(text: string, file: string): Query[] {
  const doc = parse(text) as {
    groups?: Array<{ name: string; rules?: Array<{ alert?: string; record?: string; expr: unknown }> }>
  }
  return (doc.groups ?? []).flatMap((g) =>
    (g.rules ?? []).map((r) => ({
      where: `${file}: ${g.name}/${r.alert ?? r.record}`,
      expr: String(r.expr),
    })),
  )
}

/** Every query of the dashboards and the rule files. */
export function allQueries(): Query[] {
  return [
    ...dashboardFiles().flatMap((f) => dashboardQueries(JSON.parse(readFileSync(f, 'utf8')), f)),
    ...ruleFiles().flatMap((f) => ruleQueries(readFileSync(f, 'utf8'), f)),
  ]
}

/** Grafana's interval variables, replaced by a duration so promtool can parse the expression. */
export function withoutGrafanaVariables(expr: string): string {
  return expr.replace(/\$__(rate_interval|interval|range)\b/g, '5m')
}

const KEYWORDS = new Set([
  'and',
  'or',
  'unless',
  'offset',
  'bool',
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'inf',
  'nan',
  'Inf',
  'NaN',
])

/**
 * The metric names an expression selects. Not a PromQL parser, enough for ours (checked by promtool too):
 * strings, label matchers, ranges and grouping lists are removed; what is left that is an identifier, not
 * followed by `(` (a function or an aggregation) and not a keyword, is a metric name.
 */
export function metricNamesOf(expr: string): string[] {
  const bare = withoutGrafanaVariables(expr)
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, '')
    .replace(/\{[^}]*\}/g, '')
    .replace(/\[[^\]]*\]/g, '')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, '')
  const names = new Set<string>()
  for (const m of bare.matchAll(/(?<![\w:.$])[a-zA-Z_:][\w:]*/g)) {
    const after = bare.slice((m.index ?? 0) + m[0].length)
    if (/^\s*\(/.test(after) || KEYWORDS.has(m[0])) continue
    names.add(m[0])
  }
  return [...names]
}

/**
 * Metrics that come from somewhere else than the services' /metrics: Prometheus itself (`up`) and the
 * exporters prometheus.yml scrapes (postgres-exporter `pg_*`, prometheus-nats-exporter `gnatsd_*`).
 */
export function isExporterMetric(name: string): boolean {
  return name === 'up' || name.startsWith('pg_') || name.startsWith('gnatsd_')
}
