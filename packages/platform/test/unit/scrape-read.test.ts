import { createScrapeRead, ScrapeReadTimeoutError } from '../../src/index.ts'

/** A read the test answers by hand, counting how often it was started. */
function manualRead<T>() {
  const calls: Array<PromiseWithResolvers<T>> = []
  return {
    read: () => {
      const call = Promise.withResolvers<T>()
      calls.push(call)
      return call.promise
    },
    calls,
  }
}

/** A monotonic clock the test moves. */
function testNow(start = 1000) {
  let at = start
  return {
    now: () => at,
    advance: (ms: number) => {
      at += ms
    },
  }
}

test('the calls of one scrape share one read', async () => {
  const source = manualRead<number>()
  const scrape = createScrapeRead(source.read)
  const answers = [scrape(), scrape(), scrape()]
  expect(source.calls).toHaveLength(1)
  source.calls[0]?.resolve(7)
  expect(await Promise.all(answers)).toEqual([
    { ok: true, value: 7 },
    { ok: true, value: 7 },
    { ok: true, value: 7 },
  ])
})

test('without reuseMs each scrape reads anew', async () => {
  let n = 0
  const scrape = createScrapeRead(async () => ++n)
  expect(await scrape()).toEqual({ ok: true, value: 1 })
  expect(await scrape()).toEqual({ ok: true, value: 2 })
})

test('a result answers later scrapes for reuseMs from when it came, then the next scrape reads', async () => {
  const clock = testNow()
  let n = 0
  const scrape = createScrapeRead(async () => ++n, { reuseMs: 5000, now: clock.now })
  expect(await scrape()).toEqual({ ok: true, value: 1 })
  clock.advance(4999)
  expect(await scrape()).toEqual({ ok: true, value: 1 })
  clock.advance(1)
  expect(await scrape()).toEqual({ ok: true, value: 2 })
  expect(n).toBe(2)
})

test('a failed read is a result, not a rejection: reported once per scrape, reused like a value', async () => {
  const clock = testNow()
  const errors: unknown[] = []
  const source = manualRead<number>()
  const scrape = createScrapeRead(source.read, {
    reuseMs: 1000,
    now: clock.now,
    onError: (e) => errors.push(e),
  })
  const boom = new Error('pool gone')
  const answers = [scrape(), scrape()]
  source.calls[0]?.reject(boom)
  expect(await Promise.all(answers)).toEqual([
    { ok: false, error: boom },
    { ok: false, error: boom },
  ])
  expect(errors).toEqual([boom])
  // Another scraper within reuseMs: the same answer, no read, not reported again.
  expect(await scrape()).toEqual({ ok: false, error: boom })
  expect(source.calls).toHaveLength(1)
  expect(errors).toHaveLength(1)
  clock.advance(1000)
  const next = scrape()
  source.calls[1]?.resolve(3)
  expect(await next).toEqual({ ok: true, value: 3 })
})

test('a read past timeoutMs fails that scrape; the next one waits for the same read and a late answer is kept', async () => {
  const clock = testNow()
  const errors: unknown[] = []
  const source = manualRead<string>()
  const scrape = createScrapeRead(source.read, {
    timeoutMs: 20,
    reuseMs: 10_000,
    now: clock.now,
    onError: (e) => errors.push(e),
  })
  const first = await scrape()
  expect(first.ok).toBe(false)
  expect(!first.ok && first.error).toBeInstanceOf(ScrapeReadTimeoutError)
  expect(!first.ok && (first.error as ScrapeReadTimeoutError).code).toBe('PLATFORM_ERR_SCRAPE_READ_TIMEOUT')
  expect(errors).toHaveLength(1)
  // A later scrape (the timeout's result has aged out) joins the read still running instead of starting one.
  clock.advance(10_000)
  const second = scrape()
  expect(source.calls).toHaveLength(1)
  source.calls[0]?.resolve('late')
  expect(await second).toEqual({ ok: true, value: 'late' })
  // Kept for reuseMs like any other result.
  expect(await scrape()).toEqual({ ok: true, value: 'late' })
  expect(source.calls).toHaveLength(1)
  expect(errors).toHaveLength(1)
})

test('a late answer to a read whose scrape timed out is remembered for the next scrape', async () => {
  const clock = testNow()
  const source = manualRead<string>()
  const scrape = createScrapeRead(source.read, { timeoutMs: 20, reuseMs: 10_000, now: clock.now })
  expect((await scrape()).ok).toBe(false)
  source.calls[0]?.resolve('late')
  await source.calls[0]?.promise
  expect(await scrape()).toEqual({ ok: true, value: 'late' })
  expect(source.calls).toHaveLength(1)
})

test('a read that throws before returning a promise is a failed result', async () => {
  const scrape = createScrapeRead((): Promise<number> => {
    throw new Error('not even started')
  })
  expect(await scrape()).toEqual({ ok: false, error: new Error('not even started') })
})
