import { createProgress } from '../../src/progress.ts'

function sink(isTTY: boolean) {
  const written: string[] = []
  return { stderr: { write: (t: string) => written.push(t), isTTY }, written }
}

test('off a terminal: a line at most every interval, and the last line always', () => {
  const { stderr, written } = sink(false)
  let now = 0
  const progress = createProgress(stderr, 2_000, () => now)
  progress.update('a')
  now = 1_000
  progress.update('b')
  now = 2_500
  progress.update('c')
  progress.done('finished')
  expect(written).toEqual(['a\n', 'c\n', 'finished\n'])
})

test('on a terminal: one line rewritten in place, ended by done', () => {
  const { stderr, written } = sink(true)
  const progress = createProgress(stderr)
  progress.update('a')
  progress.update('b')
  progress.done()
  expect(written).toEqual(['\ra\u001b[K', '\rb\u001b[K', '\n'])
  const last = sink(true)
  createProgress(last.stderr).done('finished')
  expect(last.written).toEqual(['\rfinished\u001b[K\n'])
})
