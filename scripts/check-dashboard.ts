// The offline check of the Grafana dashboards (`pnpm check:dashboard`, in .ci/run): structure, datasource
// references, and every PromQL expression through promtool (as recording rules of a temporary rule file:
// promtool parses rule files, not a lone expression). Exits 1 with one line per problem.
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { basename, join } from 'node:path'
import { parse, stringify } from 'yaml'
import {
  DATASOURCES_DIR,
  dashboardFiles,
  dashboardQueries,
  panelsOf,
  type Query,
  withoutGrafanaVariables,
} from './observability/queries.ts'

const GRID_COLUMNS = 24

/** The uids of the provisioned datasources (docker/grafana/provisioning/datasources/*.yaml). */
function datasourceUids(): Set<string> {
  const uids = new Set<string>()
  for (const f of readdirSync(DATASOURCES_DIR).filter((n) => /\.ya?ml$/.test(n))) {
    const doc = parse(readFileSync(join(DATASOURCES_DIR, f), 'utf8')) as {
      datasources?: Array<{ uid?: string }>
    }
    for (const d of doc.datasources ?? []) if (d.uid) uids.add(d.uid)
  }
  return uids
}

type Json = Record<string, unknown>

/** Structural problems of one dashboard (empty when it is sound). */
function structureProblems(dashboard: Json, uids: ReadonlySet<string>): string[] {
  const problems: string[] = []
  if (typeof dashboard.uid !== 'string' || !/^[\w-]{1,40}$/.test(dashboard.uid))
    problems.push('uid must be 1-40 letters, digits, - or _')
  if (typeof dashboard.title !== 'string' || dashboard.title === '') problems.push('title is missing')
  if (!Array.isArray(dashboard.panels) || dashboard.panels.length === 0) problems.push('no panels')
  const ids = new Set<unknown>()
  const cells: Array<{ id: unknown; x: number; y: number; w: number; h: number }> = []
  for (const p of panelsOf(dashboard as { panels?: Json[] }) as Json[]) {
    const name = `panel ${String(p.id)} "${String(p.title)}"`
    if (!Number.isInteger(p.id)) problems.push(`${name}: id must be an integer`)
    else if (ids.has(p.id)) problems.push(`${name}: duplicate id`)
    ids.add(p.id)
    const g = p.gridPos as Json | undefined
    const [x, y, w, h] = [g?.x, g?.y, g?.w, g?.h]
    if (
      ![x, y, w, h].every((v) => Number.isInteger(v) && (v as number) >= 0) ||
      (w as number) < 1 ||
      (h as number) < 1
    )
      problems.push(`${name}: gridPos needs non-negative integers x, y and positive w, h`)
    else if ((x as number) + (w as number) > GRID_COLUMNS)
      problems.push(`${name}: wider than the 24-column grid`)
    else cells.push({ id: p.id, x: x as number, y: y as number, w: w as number, h: h as number })
    if (p.type === 'row') continue
    const ds = p.datasource as Json | undefined
    if (typeof ds?.uid !== 'string' || !uids.has(ds.uid))
      problems.push(`${name}: datasource uid ${JSON.stringify(ds?.uid)} is not provisioned`)
    const targets = (p.targets as Json[] | undefined) ?? []
    if (targets.length === 0) problems.push(`${name}: no targets`)
    const refIds = new Set<unknown>()
    for (const t of targets) {
      if (refIds.has(t.refId)) problems.push(`${name}: duplicate refId ${String(t.refId)}`)
      refIds.add(t.refId)
      const tds = t.datasource as Json | undefined
      if (tds !== undefined && (typeof tds.uid !== 'string' || !uids.has(tds.uid)))
        problems.push(
          `${name} ${String(t.refId)}: datasource uid ${JSON.stringify(tds.uid)} is not provisioned`,
        )
      if (typeof t.expr !== 'string' || t.expr.trim() === '')
        problems.push(`${name} ${String(t.refId)}: empty expr`)
    }
  }
  for (const [i, a] of cells.entries())
    for (const b of cells.slice(i + 1))
      if (a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h)
        problems.push(`panels ${String(a.id)} and ${String(b.id)} overlap`)
  return problems
}

/** promtool's verdict on `queries`, as recording rules of a temporary rule file; undefined when they pass. */
function promtoolCheck(dir: string, name: string, queries: readonly Query[]): string | undefined {
  const file = join(dir, `${name}.yml`)
  const rules = queries.map((q, i) => ({ record: `dashboard:q${i}`, expr: withoutGrafanaVariables(q.expr) }))
  writeFileSync(file, stringify({ groups: [{ name: 'dashboard', rules }] }))
  try {
    execFileSync('promtool', ['check', 'rules', file], { stdio: 'pipe' })
    return undefined
  } catch (err) {
    const e = err as { stdout?: Buffer; stderr?: Buffer }
    const out = `${e.stdout ?? ''}${e.stderr ?? ''}`
    const line = out.split('\n').find((l) => /error/i.test(l)) ?? out
    return line.replace(`${file}:`, '').trim()
  }
}

/** Every expression through promtool: all in one file, then one by one to name the bad ones. */
function expressionProblems(queries: readonly Query[]): string[] {
  const dir = mkdtempSync(join(tmpdir(), 'chargebus-dashboard-'))
  try {
    if (promtoolCheck(dir, 'all', queries) === undefined) return []
    return queries.flatMap((q, i) => {
      const problem = promtoolCheck(dir, `q${i}`, [q])
      return problem === undefined ? [] : [`${q.where}: ${problem}`]
    })
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

const uids = datasourceUids()
let failed = false
for (const file of dashboardFiles()) {
  const dashboard = JSON.parse(readFileSync(file, 'utf8')) as Json
  const queries = dashboardQueries(dashboard as never, basename(file))
  const problems = [
    ...structureProblems(dashboard, uids).map((p) => `${basename(file)}: ${p}`),
    ...expressionProblems(queries),
  ]
  for (const p of problems) console.error(p)
  failed ||= problems.length > 0
  console.log(`${basename(file)}: ${problems.length === 0 ? 'ok' : 'FAILED'} (${queries.length} expressions)`)
}
process.exit(failed ? 1 : 0)
