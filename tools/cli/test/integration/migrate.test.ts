import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { listMigrations, withDatabaseName } from '@chargebus/db'
import { createThrowawayDatabase, type ThrowawayDatabase } from '../../../../test/support/database.ts'

/** Generous: these talk to real servers on a shared, sometimes busy machine. */
const SLOW = 30_000

// The real command line: `node tools/cli/src/main.ts migrate`, as `pnpm chargebus migrate` runs it.
const MAIN = fileURLToPath(new URL('../../src/main.ts', import.meta.url))

function chargebus(args: string[], env: Record<string, string>) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    const child = spawn(process.execPath, [MAIN, ...args], {
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => {
      stdout += d
    })
    child.stderr.on('data', (d) => {
      stderr += d
    })
    child.on('error', reject)
    child.on('close', (code) => resolve({ code, stdout, stderr }))
  })
}

let scratch: ThrowawayDatabase

beforeAll(async () => {
  scratch = await createThrowawayDatabase({ migrate: false })
}, SLOW)

afterAll(async () => {
  await scratch?.drop()
}, SLOW)

test(
  'migrate applies every migration, prints each, and exits 0',
  async () => {
    const run = await chargebus(['migrate'], { DATABASE_ADMIN_URL: scratch.adminUrl })
    expect(run.stderr).toBe('')
    expect(run.code).toBe(0)
    const target = `chargebus@127.0.0.1:5432/${scratch.name}`
    expect(run.stdout).toBe(
      `${listMigrations()
        .map((m) => `applied ${m}\n`)
        .join('')}${target} is now at ${listMigrations().at(-1)}\n`,
    )
  },
  SLOW,
)

test(
  'a second migrate does nothing and says so',
  async () => {
    const run = await chargebus(['migrate'], { DATABASE_ADMIN_URL: scratch.adminUrl })
    expect(run).toEqual({
      code: 0,
      stdout: `chargebus@127.0.0.1:5432/${scratch.name} is up to date (latest ${listMigrations().at(-1)})\n`,
      stderr: '',
    })
  },
  SLOW,
)

test.each([
  [
    'not a URL',
    'not-a-url',
    /^chargebus migrate: config: DATABASE_ADMIN_URL must be a postgres:\/\/ URL with a database name \(got "not-a-url"\)$/,
  ],
  [
    'a closed port',
    'postgres://chargebus:chargebus@127.0.0.1:1/chargebus',
    /^chargebus migrate: database unavailable: chargebus@127\.0\.0\.1:1\/chargebus: .*ECONNREFUSED/,
  ],
  [
    'a missing database',
    'missing',
    /^chargebus migrate: database unavailable: .*chargebus_test_no_such_db.* does not exist$/,
  ],
])(
  'a bad DATABASE_ADMIN_URL (%s) is one line on stderr and exit code 1',
  async (_, value, line) => {
    const url = value === 'missing' ? withDatabaseName(scratch.adminUrl, 'chargebus_test_no_such_db') : value
    const run = await chargebus(['migrate'], { DATABASE_ADMIN_URL: url })
    expect(run.code).toBe(1)
    expect(run.stdout).toBe('')
    const lines = run.stderr.trimEnd().split('\n')
    expect(lines).toHaveLength(1)
    expect(lines[0]).toMatch(line)
    expect(run.stderr).not.toContain('chargebus:chargebus') // never the password
  },
  SLOW,
)

test(
  '--help lists migrate and exits 0',
  async () => {
    const run = await chargebus(['--help'], {})
    expect(run.code).toBe(0)
    expect(run.stdout).toContain('migrate')
  },
  SLOW,
)
