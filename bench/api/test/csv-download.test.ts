import { once } from 'node:events'
import { createServer, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { countLines, download } from '../src/csv-download.ts'
import { memoryOf, sampleRss } from '../src/process-memory.ts'

/** A server answering every request with `handle`; its base URL. */
async function serve(handle: (res: ServerResponse) => void): Promise<{ server: Server; url: string }> {
  const server = createServer((_req, res) => handle(res))
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/` }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
/** Generous: a busy CI machine runs suites beside this one. */
const SLOW = 60_000

/** `read()` once it no longer changes over `windowMs` (the buffers on the way are full), or at the deadline. */
async function settled(read: () => number, windowMs: number, deadlineMs: number): Promise<number> {
  const deadline = Date.now() + deadlineMs
  let last = read()
  for (;;) {
    await sleep(windowMs)
    const now = read()
    if (now === last || Date.now() > deadline) return now
    last = now
  }
}

test('countLines counts the line feeds that splitting the text finds', () => {
  for (const text of [
    '',
    'a',
    '\n',
    'a,b\n',
    '\n\nx\n',
    'h\n1,2\n3,4',
    'x'.repeat(70_000).concat('\n', 'y\n'),
  ]) {
    expect(countLines(Buffer.from(text))).toBe(text.split('\n').length - 1)
  }
})

test(
  "a stalling client stops the server's stream while it does not read, then gets every line",
  async () => {
    // 128 MiB: more than the socket buffers between the two ends hold (tcp_rmem max is 32 MiB here).
    const chunk = Buffer.from(`${'x'.repeat(1023)}\n`.repeat(64))
    const chunks = 2048
    let produced = 0
    const { server, url } = await serve((res) => {
      res.writeHead(200, { 'content-type': 'text/csv' })
      pipeline(
        Readable.from(
          (function* () {
            for (; produced < chunks; produced++) yield chunk
          })(),
        ),
        res,
      ).catch(() => {})
    })
    try {
      const got = await download(
        url,
        {},
        {
          afterBytes: 1024 * 1024,
          during: async () => {
            const early = await settled(() => produced, 500, 20_000)
            await sleep(500)
            return { early, late: produced }
          },
        },
      )
      expect(got.stalled?.early).toBeLessThan(chunks)
      expect(got.stalled?.late).toBe(got.stalled?.early)
      expect(got.bytes).toBe(chunk.byteLength * chunks)
      expect(got.lines).toBe(64 * chunks)
    } finally {
      server.close()
    }
  },
  SLOW,
)

test('a download fails on an answer other than 200 and on a body cut short', async () => {
  const refused = await serve((res) => res.writeHead(403).end('no'))
  const cut = await serve((res) => {
    res.writeHead(200, { 'content-type': 'text/csv' })
    res.write('h\n1\n', () => res.destroy())
  })
  try {
    await expect(download(refused.url, {})).rejects.toThrow('HTTP 403')
    await expect(download(cut.url, {})).rejects.toThrow()
  } finally {
    refused.server.close()
    cut.server.close()
  }
})

test("memoryOf reads this process's resident memory; sampleRss keeps its range", async () => {
  const { rssKb, hwmKb } = await memoryOf(process.pid)
  expect(rssKb).toBeGreaterThan(1024)
  expect(hwmKb).toBeGreaterThanOrEqual(rssKb)
  const sampler = sampleRss(process.pid, 10)
  // many periods: timers run late on a busy machine
  await sleep(1000)
  const s = await sampler.stop()
  expect(s.samples).toBeGreaterThan(1)
  expect(s.minKb).toBeGreaterThan(0)
  expect(s.maxKb).toBeGreaterThanOrEqual(s.minKb)
})
