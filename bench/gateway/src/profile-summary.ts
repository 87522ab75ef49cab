/**
 * Summarizes a V8 `.cpuprofile` (from `pnpm bench:gateway --cpu-prof DIR`): busy time by area (package / node
 * internals / GC), the top functions by self time and by inclusive time. Idle time is left out of the shares.
 *
 *   node bench/gateway/src/profile-summary.ts DIR/CPU.<...>.cpuprofile [--top 25]
 */
import { readFileSync } from 'node:fs'
import { parseArgs } from 'node:util'

interface CallFrame {
  functionName: string
  url: string
  lineNumber: number
}
interface ProfileNode {
  id: number
  callFrame: CallFrame
  hitCount?: number
  children?: number[]
}
interface Profile {
  nodes: ProfileNode[]
  startTime: number
  endTime: number
  samples?: number[]
}

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: { top: { type: 'string', default: '25' } },
})
const file = positionals[0]
if (!file) {
  process.stderr.write('usage: node bench/gateway/src/profile-summary.ts FILE.cpuprofile [--top N]\n')
  process.exit(2)
}
const top = Number(values.top)
const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile
const byId = new Map(profile.nodes.map((n) => [n.id, n]))
const totalSamples = profile.nodes.reduce((a, n) => a + (n.hitCount ?? 0), 0)
const usPerSample = (profile.endTime - profile.startTime) / Math.max(1, totalSamples)

/** Area of a frame: a package name, a workspace folder, node internals or a V8 pseudo-frame. */
function areaOf(f: CallFrame): string {
  const url = f.url
  if (!url) return f.functionName.startsWith('(') ? f.functionName : '(native)'
  if (url.startsWith('node:')) return 'node:internals'
  const nm = url.lastIndexOf('/node_modules/')
  if (nm >= 0) {
    const rest = url.slice(nm + '/node_modules/'.length).split('/')
    return rest[0]?.startsWith('@') ? `${rest[0]}/${rest[1]}` : (rest[0] ?? url)
  }
  const m = /\/(packages|services|bench)\/([^/]+)\//.exec(url)
  return m ? `${m[1]}/${m[2]}` : url
}

const label = (f: CallFrame) => {
  const short = f.url
    .replace(/^file:\/\//, '')
    .replace(/^.*\/node_modules\//, '~/')
    .replace(/^.*\/work\/main\//, '')
  return `${f.functionName || '(anonymous)'} ${short}${f.url ? `:${f.lineNumber + 1}` : ''}`
}

const idle = new Set(['(idle)', '(program)'])
let busySamples = 0
const self = new Map<string, number>()
const areas = new Map<string, number>()
for (const n of profile.nodes) {
  const hits = n.hitCount ?? 0
  if (hits === 0 || idle.has(n.callFrame.functionName)) continue
  busySamples += hits
  self.set(label(n.callFrame), (self.get(label(n.callFrame)) ?? 0) + hits)
  const area = areaOf(n.callFrame)
  areas.set(area, (areas.get(area) ?? 0) + hits)
}

// inclusive time per function (counted once per stack even when recursive)
const inclusive = new Map<string, number>()
const root = profile.nodes[0]
function walk(node: ProfileNode, onStack: Set<string>): number {
  let total = idle.has(node.callFrame.functionName) ? 0 : (node.hitCount ?? 0)
  const key = label(node.callFrame)
  const fresh = !onStack.has(key)
  if (fresh) onStack.add(key)
  for (const c of node.children ?? []) {
    const child = byId.get(c)
    if (child) total += walk(child, onStack)
  }
  if (fresh) {
    onStack.delete(key)
    inclusive.set(key, (inclusive.get(key) ?? 0) + total)
  }
  return total
}
if (root) walk(root, new Set())

const ms = (samples: number) => Math.round((samples * usPerSample) / 1000)
const pct = (samples: number) => `${((100 * samples) / Math.max(1, busySamples)).toFixed(1)}%`
const table = (entries: [string, number][]) =>
  entries
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([k, v]) => `  ${pct(v).padStart(6)} ${String(ms(v)).padStart(7)} ms  ${k}`)
    .join('\n')

process.stdout.write(
  `${file}\nbusy ${ms(busySamples)} ms of ${ms(totalSamples)} ms profiled (${pct(busySamples)} of busy = 100%)\n\n` +
    `busy time by area:\n${table([...areas])}\n\ntop self time:\n${table([...self])}\n\n` +
    `top inclusive time:\n${table([...inclusive].filter(([k]) => !k.startsWith('(root)')))}\n`,
)
