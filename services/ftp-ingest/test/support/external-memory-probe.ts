/**
 * A child process of `external-memory-gc.test.ts`: the FTP data path's allocation pattern (a live heap like the
 * edge's, then 512 MB read from a loopback socket, each Buffer it reads hashed and dropped) and how many full
 * GCs V8 ran meanwhile, printed as JSON.
 *
 *   node test/support/external-memory-probe.ts [with-flag]
 */
import { createHash } from 'node:crypto'
import { once } from 'node:events'
import { type AddressInfo, connect, createServer, type Socket } from 'node:net'
import { constants, PerformanceObserver } from 'node:perf_hooks'

if (process.argv[2] === 'with-flag') await import('../../src/external-memory-gc.ts')

const STREAMED_BYTES = 512 * 1024 * 1024

// ~40 MB of live objects: about the edge's heap once started (modules, clients, caches)
const live: unknown[] = []
for (let i = 0; i < 250_000; i++) live.push({ i, name: `entry-${i}`, pair: [i, i + 1] })

let fullGcs = 0
const observer = new PerformanceObserver((list) => {
  for (const entry of list.getEntries())
    if ((entry as { detail?: { kind?: number } }).detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR)
      fullGcs++
})
observer.observe({ entryTypes: ['gc'] })

const hash = createHash('sha256')
const server = createServer()
server.listen(0, '127.0.0.1')
await once(server, 'listening')
const sender = connect((server.address() as AddressInfo).port, '127.0.0.1')
const [receiver] = (await once(server, 'connection')) as [Socket]
const block = Buffer.alloc(1024 * 1024, 7)
void (async () => {
  for (let sent = 0; sent < STREAMED_BYTES; sent += block.length)
    if (!sender.write(block)) await once(sender, 'drain')
  sender.end()
})()
for await (const chunk of receiver) hash.update(chunk as Buffer)
server.close()
await new Promise((resolve) => setTimeout(resolve, 50))
observer.disconnect()
process.stdout.write(`${JSON.stringify({ fullGcs, live: live.length, sha256: hash.digest('hex').length })}\n`)
