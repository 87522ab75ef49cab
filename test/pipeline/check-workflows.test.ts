import { execFile } from 'node:child_process'
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'

/*
 * `pnpm check:workflows` (scripts/check-workflows.ts, in .ci/run) as CI runs it, as a process: the repository's
 * workflows pass, and each kind of breakage, made in a copy of a real workflow, fails it with a line naming the
 * file and the problem.
 */

const REPO_ROOT = join(import.meta.dirname, '..', '..')
const WORKFLOWS = join(REPO_ROOT, '.github', 'workflows')
const run = promisify(execFile)
/** Each test starts node, GitHub's parser and shellcheck: seconds on a busy shared machine. */
const SLOW = 30_000

async function check(dir: string): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, ['scripts/check-workflows.ts', dir], {
      cwd: REPO_ROOT,
    })
    return { code: 0, stdout, stderr }
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string }
    return { code: e.code, stdout: e.stdout, stderr: e.stderr }
  }
}

/** A copy of the workflows with one file edited; fails the test if the edit matched nothing. */
function brokenCopy(file: string, edit: (content: string) => string): string {
  const dir = mkdtempSync(join(tmpdir(), 'workflows-'))
  cpSync(WORKFLOWS, dir, { recursive: true })
  const original = readFileSync(join(dir, file), 'utf8')
  const broken = edit(original)
  expect(broken).not.toBe(original)
  writeFileSync(join(dir, file), broken)
  return dir
}

const dirs: string[] = []
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true })
})

describe('pnpm check:workflows', () => {
  it(
    "passes the repository's workflows",
    async () => {
      const files = readdirSync(WORKFLOWS).filter((n) => n.endsWith('.yml'))
      expect(files).toEqual(expect.arrayContaining(['ci.yml', 'ship.yml', 'deploy.yml', 'rollback.yml']))
      const r = await check(WORKFLOWS)
      expect(r.stderr).toBe('')
      expect(r.code).toBe(0)
      expect(r.stdout).toContain(`${files.length} workflows sound`)
    },
    SLOW,
  )

  const breakages: Array<[string, string, (s: string) => string, RegExp]> = [
    [
      'an unknown key',
      'deploy.yml',
      (s) => s.replace('timeout-minutes: 60', 'timeout-minutez: 60'),
      /deploy\.yml \(Line: \d+, Col: \d+\): Unexpected value 'timeout-minutez'/,
    ],
    [
      'an unclosed expression',
      'ship.yml',
      (s) => s.replace(`\${{ github.sha }}`, `\${{ github.sha }`),
      /ship\.yml \(Line: \d+, Col: \d+\): The expression is not closed/,
    ],
    [
      'an unknown context',
      'rollback.yml',
      (s) => s.replace(`\${{ inputs.image-tag }}`, `\${{ input.image-tag }}`),
      /rollback\.yml \(Line: \d+, Col: \d+\): Unrecognized named-value: 'input'/,
    ],
    [
      'a job that needs a missing job',
      'ship.yml',
      (s) => s.replace('needs: staging', 'needs: stagin'),
      /ship\.yml \(Line: \d+, Col: \d+\): Job 'prod' depends on unknown job 'stagin'/,
    ],
    ['text that is not YAML', 'ci.yml', (s) => `${s}\njobs: [\n`, /ci\.yml: .*Flow sequence/],
    [
      'an action pinned by a movable tag',
      'ci.yml',
      (s) => s.replace(/actions\/checkout@[0-9a-f]{40}/, 'actions/checkout@v7'),
      /ci\.yml:\d+: actions\/checkout@v7 is not pinned to a full commit SHA/,
    ],
    [
      'a pinned action without its release comment',
      'deploy.yml',
      (s) => s.replace(/(actions\/setup-node@[0-9a-f]{40}) # v[\d.]+/, '$1'),
      /deploy\.yml:\d+: actions\/setup-node@[0-9a-f]{40} needs a "# vX\.Y\.Z" comment/,
    ],
    [
      'no top-level permissions',
      'rollback.yml',
      (s) => s.replace(/^permissions: \{\}\n/m, ''),
      /rollback\.yml:1: no top-level permissions/,
    ],
    [
      'a misspelt input of a reusable workflow',
      'rollback.yml',
      (s) => s.replace('scope: services', 'scop: services'),
      /rollback\.yml: jobs\.rollback: deploy\.yml has no input scop\n.*deploy\.yml requires input scope/,
    ],
    [
      'a shell mistake in a run: block',
      'deploy.yml',
      (s) => s.replace('--overwrite --value "$TAG"', '--overwrite --value $TAG'),
      /deploy\.yml: jobs\.deploy\.steps\[\d+\] \(record the running image tag\): run line \d+:\d+: .*\[SC2086\]/,
    ],
  ]

  it.each(breakages)(
    'fails on %s',
    async (_what, file, edit, message) => {
      const dir = brokenCopy(file, edit)
      dirs.push(dir)
      const r = await check(dir)
      expect(r.code).toBe(1)
      expect(r.stderr).toMatch(message)
      // the other workflows in the copy are untouched: every problem is in the edited file
      const problems = r.stderr.split('\n').filter((l) => /\.ya?ml[:( ]/.test(l))
      expect(problems.length).toBeGreaterThan(0)
      for (const p of problems) expect(p).toContain(file)
    },
    SLOW,
  )
})
