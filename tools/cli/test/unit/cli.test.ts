import { ConfigError } from '@chargebus/platform'
import {
  type CommandContext,
  DEFAULT_DATABASE_ADMIN_URL,
  EXIT_OK,
  EXIT_USAGE,
  loadDatabaseAdminConfig,
  runCli,
} from '../../src/index.ts'

function capture(env: CommandContext['env'] = {}) {
  const out: string[] = []
  const err: string[] = []
  const ctx: CommandContext = {
    env,
    stdout: { write: (t: string) => out.push(t) },
    stderr: { write: (t: string) => err.push(t) },
  }
  return { ctx, stdout: () => out.join(''), stderr: () => err.join('') }
}

describe('runCli', () => {
  test('--help lists every command with its summary', async () => {
    const io = capture()
    expect(await runCli(['--help'], io.ctx)).toBe(EXIT_OK)
    expect(io.stdout()).toMatch(/^usage: chargebus <command>/)
    expect(io.stdout()).toMatch(/\n {2}migrate +apply pending database migrations/)
    expect(io.stderr()).toBe('')
  })

  test('no command prints the help to stderr and is a usage error', async () => {
    const io = capture()
    expect(await runCli([], io.ctx)).toBe(EXIT_USAGE)
    expect(io.stderr()).toContain('commands:')
  })

  test('an unknown command is one line and a usage error', async () => {
    const io = capture()
    expect(await runCli(['fly'], io.ctx)).toBe(EXIT_USAGE)
    expect(io.stderr()).toBe('chargebus: unknown command "fly" (chargebus --help lists them)\n')
  })

  test.each(['toString', '__proto__', 'constructor'])('%s is not a command', async (name) => {
    const io = capture()
    expect(await runCli([name], io.ctx)).toBe(EXIT_USAGE)
  })

  test('<command> --help prints its usage', async () => {
    const io = capture()
    expect(await runCli(['migrate', '--help'], io.ctx)).toBe(EXIT_OK)
    expect(io.stdout()).toMatch(/^usage: chargebus migrate\n/)
  })

  test('an unknown option is one line and a usage error', async () => {
    const io = capture()
    expect(await runCli(['migrate', '--force'], io.ctx)).toBe(EXIT_USAGE)
    expect(io.stderr()).toBe("chargebus migrate: Unknown option '--force' (chargebus migrate --help)\n")
  })
})

describe('loadDatabaseAdminConfig', () => {
  test.each([
    [{}, DEFAULT_DATABASE_ADMIN_URL],
    [{ DATABASE_ADMIN_URL: '' }, DEFAULT_DATABASE_ADMIN_URL],
    [{ DATABASE_ADMIN_URL: '   ' }, DEFAULT_DATABASE_ADMIN_URL],
    [{ DATABASE_ADMIN_URL: ' postgres://a:b@db:5433/x ' }, 'postgres://a:b@db:5433/x'],
  ])('%o -> %s', (env, url) => {
    expect(loadDatabaseAdminConfig(env)).toEqual({ DATABASE_ADMIN_URL: url })
  })

  test('the default is direct to Postgres, not pgbouncer', () => {
    expect(new URL(DEFAULT_DATABASE_ADMIN_URL).port).toBe('5432')
  })

  test.each([
    ['not a url', 'not a url'],
    ['http://u:s3cret@db/x', 'http://u:***@db/x'],
    ['postgres://u:s3cret@db', 'postgres://u:***@db'],
    ['postgres://u:s3cret@db/', 'postgres://u:***@db/'],
  ])('%p is one line naming the variable, password masked', (value, shown) => {
    let thrown: unknown
    try {
      loadDatabaseAdminConfig({ DATABASE_ADMIN_URL: value })
    } catch (err) {
      thrown = err
    }
    expect(thrown).toBeInstanceOf(ConfigError)
    const message = (thrown as ConfigError).message
    expect(message).toBe(
      `config: DATABASE_ADMIN_URL must be a postgres:// URL with a database name (got ${JSON.stringify(shown)})`,
    )
    expect(message).not.toContain('s3cret')
  })
})
