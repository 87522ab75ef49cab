import { createFailureThrottle } from '../../src/index.ts'

function aThrottle(maxKeys?: number) {
  let t = 0
  const throttle = createFailureThrottle({
    maxFailures: 3,
    windowMs: 1000,
    now: () => t,
    ...(maxKeys === undefined ? {} : { maxKeys }),
  })
  return { throttle, advance: (ms: number) => (t += ms) }
}

test('a key that failed maxFailures times within the window is refused until the window ends', () => {
  const { throttle, advance } = aThrottle()
  for (let i = 0; i < 3; i++) {
    expect(throttle.check('10.0.0.1')).toEqual({ allowed: true })
    throttle.fail('10.0.0.1')
    advance(100)
  }
  expect(throttle.check('10.0.0.1')).toEqual({ allowed: false, retryAfterMs: 700 })
  expect(throttle.check('10.0.0.2')).toEqual({ allowed: true }) // others are not affected
  advance(700)
  expect(throttle.check('10.0.0.1')).toEqual({ allowed: true })
})

test('a success forgets the failures', () => {
  const { throttle } = aThrottle()
  throttle.fail('CP-1')
  throttle.fail('CP-1')
  throttle.succeed('CP-1')
  throttle.fail('CP-1')
  throttle.fail('CP-1')
  expect(throttle.check('CP-1')).toEqual({ allowed: true })
})

test('memory is bounded: past maxKeys the least recently failing key is forgotten', () => {
  const { throttle } = aThrottle(2)
  for (const key of ['a', 'a', 'a', 'b', 'c']) throttle.fail(key)
  expect(throttle.check('a')).toEqual({ allowed: true }) // forgotten to make room for c
  for (let i = 0; i < 2; i++) throttle.fail('c')
  expect(throttle.check('c').allowed).toBe(false)
})
