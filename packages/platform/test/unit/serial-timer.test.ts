import { createSerialTimer } from '../../src/serial-timer.ts'

/* The sweep timer: passes never overlap, a failed pass does not stop the schedule, stop waits for the pass. */

const tick = (ms = 5) => new Promise((resolve) => setTimeout(resolve, ms))

test('passes run one after another, never two at once', async () => {
  let running = 0
  let most = 0
  const timer = createSerialTimer(async () => {
    running++
    most = Math.max(most, running)
    await tick()
    running--
    return running
  }, 60_000)
  expect(await Promise.all([timer.runNow(), timer.runNow(), timer.runNow()])).toEqual([0, 0, 0])
  expect(most).toBe(1)
})

test('the schedule goes on after a failed pass; stop waits for the pass in progress', async () => {
  let passes = 0
  let release: () => void = () => {}
  const timer = createSerialTimer(async () => {
    passes++
    if (passes === 1) throw new Error('Postgres away')
    if (passes === 3) await new Promise<void>((resolve) => (release = resolve))
  }, 1)
  timer.start()
  while (passes < 3) await tick(1)
  let stopped = false
  const stopping = timer.stop().then(() => (stopped = true))
  expect(timer.stopped()).toBe(true)
  await tick()
  expect(stopped).toBe(false)
  release()
  await stopping
  await tick(10)
  expect(passes).toBe(3)
  await expect(createSerialTimer(async () => Promise.reject(new Error('x')), 1).runNow()).rejects.toThrow('x')
})
