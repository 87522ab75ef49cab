import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import type { StorageTarget } from './backends.ts'
import type { MemoryGrowth } from './memory.ts'

const MAIN = fileURLToPath(new URL('./memory-probe-main.ts', import.meta.url))

export interface MemoryProbe {
  readonly put: unknown
  readonly got: unknown
  /** SHA-256 of the body the probe put. */
  readonly sha256: string
  readonly putGrowth: MemoryGrowth
  readonly getGrowth: MemoryGrowth
}

/** Puts and gets a random body of `size` bytes in a child process (memory-probe-main.ts) and returns its peaks. */
export async function probeMemory(
  target: StorageTarget,
  size: number,
  warmUpBytes: number,
): Promise<MemoryProbe> {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [MAIN, JSON.stringify({ target, size, warmUpBytes })],
    { timeout: 25_000 },
  )
  return JSON.parse(stdout) as MemoryProbe
}
