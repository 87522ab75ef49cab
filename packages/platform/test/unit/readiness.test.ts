import { ReadinessTimeoutError, runReadinessChecks } from '../../src/index.ts'

const never = () => new Promise<void>(() => {})

describe('runReadinessChecks', () => {
  test('is ready when every check resolves', async () => {
    const report = await runReadinessChecks({ a: async () => {}, b: async () => {} }, 100)
    expect(report.ready).toBe(true)
    expect(report.checks).toEqual({
      a: { status: 'ok', durationMs: expect.any(Number) },
      b: { status: 'ok', durationMs: expect.any(Number) },
    })
  })

  test('is ready with no checks at all', async () => {
    expect(await runReadinessChecks({}, 100)).toEqual({ ready: true, checks: {} })
  })

  test('names the failing check and its error, keeps the passing ones', async () => {
    const report = await runReadinessChecks(
      {
        postgres: async () => {},
        nats: async () => {
          throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:4222'), { code: 'ECONNREFUSED' })
        },
      },
      100,
    )
    expect(report.ready).toBe(false)
    expect(report.checks.postgres?.status).toBe('ok')
    expect(report.checks.nats).toEqual({
      status: 'failed',
      durationMs: expect.any(Number),
      error: 'connect ECONNREFUSED 127.0.0.1:4222',
    })
  })

  test('prefixes an error code the message does not mention and flattens AggregateErrors', async () => {
    const report = await runReadinessChecks(
      {
        coded: async () => {
          throw Object.assign(new Error('closed'), { code: 'CONNECTION_CLOSED' })
        },
        aggregate: async () => {
          throw new AggregateError([
            new Error('connect ECONNREFUSED ::1:6432'),
            new Error('connect ECONNREFUSED 127.0.0.1:6432'),
          ])
        },
        thrownString: async () => {
          throw 'plain'
        },
        syncThrow: (() => {
          throw new Error('thrown before any promise')
        }) as () => Promise<void>,
      },
      100,
    )
    expect(report.checks.coded).toMatchObject({ error: 'CONNECTION_CLOSED: closed' })
    expect(report.checks.aggregate).toMatchObject({
      error: 'connect ECONNREFUSED ::1:6432; connect ECONNREFUSED 127.0.0.1:6432',
    })
    expect(report.checks.thrownString).toMatchObject({ error: 'plain' })
    expect(report.checks.syncThrow).toMatchObject({ error: 'thrown before any promise' })
  })

  test('bounds a hanging check by the timeout and runs checks concurrently', async () => {
    const started = performance.now()
    const report = await runReadinessChecks({ stuck: never, alsoStuck: never, fine: async () => {} }, 150)
    const elapsed = performance.now() - started
    expect(elapsed).toBeGreaterThanOrEqual(140)
    expect(elapsed).toBeLessThan(1000)
    expect(report.ready).toBe(false)
    expect(report.checks.stuck).toMatchObject({
      status: 'failed',
      error: 'PLATFORM_ERR_READINESS_TIMEOUT: stuck did not answer within 150 ms',
    })
    expect(report.checks.fine?.status).toBe('ok')
  })

  test('the timeout error carries its code', () => {
    const err = new ReadinessTimeoutError('nats', 10)
    expect(err.code).toBe('PLATFORM_ERR_READINESS_TIMEOUT')
    expect(err.retryable).toBe(true)
  })
})
