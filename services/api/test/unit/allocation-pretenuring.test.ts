/*
 * main.ts turns V8's allocation-site pretenuring off (allocation-pretenuring.ts). V8 ignores a flag it no longer
 * knows without an error, so this checks that this Node's V8 still has it, default on (what the module turns off).
 * Its effect under load is measured, not unit-tested: bench/api's year (services/api README).
 */
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { NO_PRETENURING_FLAG } from '../../src/allocation-pretenuring.ts'

const run = promisify(execFile)

test("the flag is one this Node's V8 knows, on by default", async () => {
  const { stdout } = await run(process.execPath, ['--v8-options'], { maxBuffer: 16 * 1024 * 1024 })
  const name = NO_PRETENURING_FLAG.replace('--no-', '--')
  expect(stdout).toMatch(new RegExp(`${name} \\(.*\\)\\n\\s+type: bool\\s+default: ${name}\\n`))
})
