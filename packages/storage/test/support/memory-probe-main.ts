/**
 * Child process of the memory test: puts a random body of `size` bytes into the storage at `target`, reads it
 * back, and prints (JSON, one line) what each held at its peak. A process of its own keeps the measurement away
 * from the test runner's heap: a full collection before each sample costs milliseconds here, against hundreds in
 * a jest worker (where sampling starved the put), and no other test's garbage moves the figures.
 *
 *   node memory-probe-main.ts '{"target":{"url":...,"options":{...}},"size":67108864,"warmUpBytes":10485761}'
 */
import { createStorage } from '../../src/create-storage.ts'
import type { StorageTarget } from './backends.ts'
import { measure, randomBody } from './bodies.ts'
import { peakMemoryGrowth } from './memory.ts'

const { target, size, warmUpBytes } = JSON.parse(process.argv[2] ?? '{}') as {
  target: StorageTarget
  size: number
  warmUpBytes: number
}
const storage = await createStorage(target.url, target.options)
// the first multipart put loads the SDK's code for it, which is no part of what a put holds
await storage.put('warm-up', randomBody(warmUpBytes).stream)
const body = randomBody(size)
let put: unknown
let got: unknown
const putGrowth = await peakMemoryGrowth(async () => {
  put = await storage.put('probe/diagnostics.zip', body.stream)
})
const getGrowth = await peakMemoryGrowth(async () => {
  got = await measure(await storage.get('probe/diagnostics.zip'))
})
process.stdout.write(`${JSON.stringify({ put, got, sha256: body.sha256(), putGrowth, getGrowth })}\n`)
