import { CHILD_TIMEOUT_MS, fixtures, startNode } from '../support/child-process.ts'

describe('config errors in a real process', () => {
  async function run(env: Record<string, string>) {
    const child = startNode(`${fixtures}config-check.ts`, {
      env: { PORT: '', DATABASE_URL: '', LOG_LEVEL: '', ...env },
    })
    const code = await child.exited
    return { code, stderr: child.stderr(), stdout: child.lines }
  }

  test(
    'a bad value prints exactly one line naming the variable and exits 1',
    async () => {
      const { code, stderr, stdout } = await run({ PORT: 'abc' })
      expect(code).toBe(1)
      expect(stderr).toBe('config: PORT must be an integer from 1 to 65535 (got "abc")\n')
      expect(stdout).toEqual([])
    },
    CHILD_TIMEOUT_MS,
  )

  test(
    'several bad values print one line each; secrets stay masked',
    async () => {
      const { code, stderr } = await run({
        PORT: '0',
        DATABASE_URL: 'mysql://app:hunter2@db/app',
        LOG_LEVEL: 'loud',
      })
      expect(code).toBe(1)
      expect(stderr.split('\n')).toEqual([
        'config: LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent (got "loud")',
        'config: PORT must be an integer from 1 to 65535 (got "0")',
        'config: DATABASE_URL must be a postgres:// URL (got "mysql://app:***@db/app")',
        '',
      ])
    },
    CHILD_TIMEOUT_MS,
  )

  test(
    'a good environment starts',
    async () => {
      const { code, stderr, stdout } = await run({ PORT: '3999' })
      expect(stderr).toBe('')
      expect(code).toBe(0)
      expect(stdout).toEqual([expect.objectContaining({ PORT: 3999, HOST: '127.0.0.1', LOG_LEVEL: 'info' })])
    },
    CHILD_TIMEOUT_MS,
  )
})
