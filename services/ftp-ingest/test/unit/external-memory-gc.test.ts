/*
 * main.ts sets a V8 flag so that the Buffers the data sockets read stop triggering full GCs (external-memory-gc.ts).
 * A flag V8 no longer knows is ignored without an error, so this checks what the flag does, in fresh processes:
 * the same 512 MB read from a loopback socket with an edge-sized live heap, with and without it.
 */
import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'

const PROBE = fileURLToPath(new URL('../support/external-memory-probe.ts', import.meta.url))
const run = promisify(execFile)

async function fullGcs(...args: string[]): Promise<number> {
  const { stdout } = await run(process.execPath, [PROBE, ...args], { timeout: 60_000 })
  return (JSON.parse(stdout) as { fullGcs: number }).fullGcs
}

test('with the flag, streaming 512 MB through a socket runs a fraction of the full GCs it runs without', async () => {
  const without = await fullGcs()
  const withFlag = await fullGcs('with-flag')

  expect(without).toBeGreaterThanOrEqual(6) // about one per 64 MB read without it
  expect(withFlag * 3).toBeLessThanOrEqual(without)
}, 120_000)
