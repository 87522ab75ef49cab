/*
 * One behavioural suite, run against every implementation: a local directory and S3 (a real S3rver in a
 * child process). What a caller can observe must be the same on both.
 */
import { createHash } from 'node:crypto'
import { PassThrough } from 'node:stream'
import {
  BodyStreamFailed,
  InvalidObjectKey,
  ObjectAlreadyExists,
  ObjectNotFound,
  type ObjectStorage,
  ObjectTooLarge,
} from '../../src/index.ts'
import { type Backend, localBackend, s3Backend } from '../support/backends.ts'
import { randomBody, readAll } from '../support/bodies.ts'
import { collect } from '../support/collect.ts'
import type { MemoryGrowth } from '../support/memory.ts'
import { probeMemory } from '../support/memory-probe.ts'

const MIB = 1024 * 1024

describe.each([localBackend(), s3Backend()])('$name', (backend: Backend) => {
  let storage: ObjectStorage

  beforeAll(() => backend.start())
  afterAll(() => backend.stop())
  beforeEach(async () => {
    storage = await backend.open()
  })
  afterEach(async () => {
    expect(await backend.writesInProgress()).toEqual([])
  })

  async function keys(prefix?: string): Promise<string[]> {
    return (await collect(storage.list(prefix))).map((o) => o.key)
  }

  /**
   * "Now" by the storage's own clock (the filesystem's, the S3 server's): the time `lastModified` is compared
   * with. Not this process's clock, which the shifted-clock suite runs a year ahead of the kernel's.
   */
  async function storageNow(): Promise<number> {
    await storage.put('clock-probe', '')
    const probe = await storage.head('clock-probe')
    await storage.delete('clock-probe')
    return probe?.lastModified.getTime() ?? Number.NaN
  }

  /** Resolves once `stream`'s buffer was taken, i.e. the put is reading the body. */
  async function untilRead(stream: PassThrough): Promise<void> {
    while (stream.readableLength > 0) await new Promise((resolve) => setTimeout(resolve, 5))
  }

  describe('put and get', () => {
    test('bytes round-trip, with their size and SHA-256', async () => {
      const bytes = Buffer.from('{"event":"ocpp.message.received"}\n'.repeat(100))
      const sha256 = createSha256(bytes)

      const put = await storage.put('archive/2026-11-01/part-1.jsonl', bytes)

      expect(put).toEqual({ key: 'archive/2026-11-01/part-1.jsonl', size: bytes.length, sha256 })
      expect(await readAll(await storage.get('archive/2026-11-01/part-1.jsonl'))).toEqual(bytes)
      const head = await storage.head('archive/2026-11-01/part-1.jsonl')
      expect(head).toMatchObject({ key: 'archive/2026-11-01/part-1.jsonl', size: bytes.length })
      expect(Math.abs((await storageNow()) - (head?.lastModified.getTime() ?? 0))).toBeLessThan(60_000)
      expect(head?.sha256).toBe(backend.keepsSha256OfInMemoryBodies ? sha256 : undefined)
    })

    test('a string is stored as UTF-8, and an empty body as an empty object', async () => {
      await storage.put('greeting.txt', 'Grüße ⚡')
      await storage.put('empty', Buffer.alloc(0))

      expect((await readAll(await storage.get('greeting.txt'))).toString('utf8')).toBe('Grüße ⚡')
      expect(await readAll(await storage.get('empty'))).toEqual(Buffer.alloc(0))
      expect(await storage.head('empty')).toMatchObject({ size: 0 })
    })

    test('a put reads the body only as fast as storage takes it', async () => {
      const size = backend.streamedBytes
      let lead = 0
      const body = randomBody(size, {
        beforeChunk: async (given) => {
          lead = Math.max(lead, given - (await backend.bytesInProgress()))
        },
      })

      const put = await storage.put('ftp/CP-1/diagnostics.zip', body.stream)

      expect(put).toEqual({ key: 'ftp/CP-1/diagnostics.zip', size, sha256: body.sha256() })
      console.info(
        `${backend.name}, ${size / MIB} MiB body: the source ran at most ${mib(lead)} MiB ahead of storage`,
      )
      // never more ahead of storage than its buffers: it does not hold the body
      expect(lead).toBeLessThanOrEqual(backend.bufferedBytes + 128 * 1024)
    }, 20_000)

    test('a stream of tens of MiB goes through without being held in memory (measured in a process of its own)', async () => {
      const size = backend.streamedBytes
      const probe = await probeMemory(backend.target(), size, backend.bufferedBytes + 1)

      expect(probe.put).toEqual({ key: 'probe/diagnostics.zip', size, sha256: probe.sha256 })
      expect(probe.got).toEqual({ size, sha256: probe.sha256 })
      console.info(
        `${backend.name}, ${size / MIB} MiB body: put ${formatGrowth(probe.putGrowth)}; get ${formatGrowth(probe.getGrowth)}`,
      )
      // A put or get that held the body would grow by at least its size. What the work holds (live heap and
      // Buffers, about 5-26 MiB measured: parts in flight, socket and stream buffers, Buffers the collector has
      // yet to release) stays well below; RSS, which also moves with the allocator, below the body's size.
      for (const growth of [probe.putGrowth, probe.getGrowth]) {
        expect(growth.live).toBeLessThan((size * 3) / 4)
        expect(growth.rss).toBeLessThan(size)
      }
    }, 30_000)

    test('a put replaces the object under its key', async () => {
      await storage.put('manifest.json', '{"v":1}')
      await storage.put('manifest.json', '{"v":2,"parts":[]}')

      expect((await readAll(await storage.get('manifest.json'))).toString()).toBe('{"v":2,"parts":[]}')
    })

    test('an object is invisible while it is written, and its old version stays whole until the put resolves', async () => {
      await storage.put('upload.bin', 'old')
      const body = new PassThrough()
      const writing = storage.put('upload.bin', body)
      body.write(Buffer.alloc(64 * 1024, 1))
      await untilRead(body)

      expect(await storage.head('upload.bin')).toMatchObject({ size: 3 })
      expect((await readAll(await storage.get('upload.bin'))).toString()).toBe('old')
      expect(await collect(storage.list())).toEqual([expect.objectContaining({ key: 'upload.bin', size: 3 })])

      body.end(Buffer.alloc(1000, 2))
      await expect(writing).resolves.toMatchObject({ size: 64 * 1024 + 1000 })
      expect(await storage.head('upload.bin')).toMatchObject({ size: 64 * 1024 + 1000 })
    })

    test('get from a start byte reads the rest (a resumed download); at or past the end, nothing', async () => {
      const bytes = Buffer.from('0123456789'.repeat(1000))
      await storage.put('firmware/fw.bin', bytes)
      expect(await readAll(await storage.get('firmware/fw.bin', { start: 0 }))).toEqual(bytes)
      expect(await readAll(await storage.get('firmware/fw.bin', { start: 9_995 }))).toEqual(
        Buffer.from('56789'),
      )
      expect(await readAll(await storage.get('firmware/fw.bin', { start: bytes.length }))).toEqual(
        Buffer.alloc(0),
      )
      expect(await readAll(await storage.get('firmware/fw.bin', { start: bytes.length + 7 }))).toEqual(
        Buffer.alloc(0),
      )
    })

    test('get of a missing key is ObjectNotFound; head is undefined; delete does nothing', async () => {
      await expect(storage.get('missing/object')).rejects.toBeInstanceOf(ObjectNotFound)
      await expect(storage.get('missing/object')).rejects.toMatchObject({ code: 'STORAGE_ERR_NOT_FOUND' })
      expect(await storage.head('missing/object')).toBeUndefined()
      await expect(storage.delete('missing/object')).resolves.toBeUndefined()
    })
  })

  describe('create-only', () => {
    test('refuses a taken key, leaves its object alone and closes the body', async () => {
      await storage.put('archive/day.jsonl.gz', 'first run')
      const body = randomBody(1 * MIB)

      await expect(
        storage.put('archive/day.jsonl.gz', body.stream, { createOnly: true }),
      ).rejects.toBeInstanceOf(ObjectAlreadyExists)

      expect(body.stream.destroyed).toBe(true)
      expect((await readAll(await storage.get('archive/day.jsonl.gz'))).toString()).toBe('first run')
    })

    test('stores under a free key', async () => {
      await expect(storage.put('archive/day.jsonl.gz', 'x', { createOnly: true })).resolves.toMatchObject({
        size: 1,
      })
    })

    test('is atomic: a key taken while the body streams is refused when the put completes', async () => {
      // longer than an S3 part: the refusal comes when the multipart upload completes, which is then aborted
      const body = randomBody(12 * MIB, {
        beforeChunk: async (given) => {
          if (given === 6 * MIB) await storage.put('archive/day.jsonl.gz', 'fast', { createOnly: true })
        },
      })

      await expect(
        storage.put('archive/day.jsonl.gz', body.stream, { createOnly: true }),
      ).rejects.toBeInstanceOf(ObjectAlreadyExists)
      expect((await readAll(await storage.get('archive/day.jsonl.gz'))).toString()).toBe('fast')
    })
  })

  describe('failed puts leave nothing behind', () => {
    test('a body over maxBytes is refused once it passes the limit', async () => {
      let inProgress: string[] = []
      const body = randomBody(16 * MIB, {
        beforeChunk: async (given) => {
          if (given === 11 * MIB) inProgress = await backend.writesInProgress()
        },
      })

      const put = storage.put('ftp/CP-1/huge.bin', body.stream, { maxBytes: 12 * MIB })

      await expect(put).rejects.toBeInstanceOf(ObjectTooLarge)
      await expect(put).rejects.toMatchObject({ code: 'STORAGE_ERR_TOO_LARGE', maxBytes: 12 * MIB })
      expect(inProgress).toHaveLength(1) // a partial file, or a multipart upload with parts on the server
      expect(await storage.head('ftp/CP-1/huge.bin')).toBeUndefined()
      expect(await keys()).toEqual([])
    })

    test('a body in memory over maxBytes is refused too', async () => {
      await expect(storage.put('small', Buffer.alloc(101), { maxBytes: 100 })).rejects.toBeInstanceOf(
        ObjectTooLarge,
      )
      await expect(storage.put('small', Buffer.alloc(100), { maxBytes: 100 })).resolves.toMatchObject({
        size: 100,
      })
    })

    test('a body that fails mid-stream leaves the old object as it was', async () => {
      await storage.put('ftp/CP-1/upload.bin', 'previous upload')
      const body = randomBody(16 * MIB, { failAt: 11 * MIB })

      const put = storage.put('ftp/CP-1/upload.bin', body.stream)

      await expect(put).rejects.toBeInstanceOf(BodyStreamFailed)
      await expect(put).rejects.toMatchObject({
        cause: expect.objectContaining({ message: 'the source broke' }),
      })
      expect((await readAll(await storage.get('ftp/CP-1/upload.bin'))).toString()).toBe('previous upload')
      expect(await keys()).toEqual(['ftp/CP-1/upload.bin'])
    })

    test('a body closed before its end (a cut data connection, no error) is the body failing too', async () => {
      const body = new PassThrough()
      body.write(Buffer.alloc(MIB))
      setImmediate(() => body.destroy())

      const put = storage.put('ftp/CP-1/cut.bin', body)

      await expect(put).rejects.toBeInstanceOf(BodyStreamFailed)
      await expect(put).rejects.toMatchObject({
        cause: expect.objectContaining({ code: 'ERR_STREAM_PREMATURE_CLOSE' }),
      })
      expect(await keys()).toEqual([])
    })
  })

  describe('list and delete', () => {
    // no & in a key: S3rver escapes it twice in listings
    const objects = ['a/1', 'a/2', 'a/sub/3', 'ab/4', 'b/5', 'b/ä ö+=.txt']

    test('list yields the objects under a prefix in key order, with their sizes', async () => {
      for (const key of [...objects].reverse()) await storage.put(key, key)

      expect(await keys()).toEqual(objects)
      expect(await keys('a/')).toEqual(['a/1', 'a/2', 'a/sub/3'])
      expect(await keys('a')).toEqual(['a/1', 'a/2', 'a/sub/3', 'ab/4'])
      expect(await keys('a/s')).toEqual(['a/sub/3'])
      expect(await keys('b/ä')).toEqual(['b/ä ö+=.txt'])
      expect(await keys('c/')).toEqual([])
      const listed = await collect(storage.list('b/'))
      expect(listed.map(({ key, size }) => ({ key, size }))).toEqual([
        { key: 'b/5', size: 3 },
        { key: 'b/ä ö+=.txt', size: Buffer.byteLength('b/ä ö+=.txt') },
      ])
      const now = await storageNow()
      for (const { lastModified } of listed) expect(now - lastModified.getTime()).toBeLessThan(60_000)
    })

    test('list pages through more objects than one S3 page holds', async () => {
      const many = Array.from({ length: 25 }, (_, i) => `day/${String(i).padStart(3, '0')}.jsonl`)
      for (const key of many) await storage.put(key, 'x')

      expect(await keys('day/')).toEqual(many)
    })

    test('a storage sees only its own objects', async () => {
      await storage.put('mine', 'x')
      const other = await backend.open()

      expect(await collect(other.list())).toEqual([])
      expect(await other.head('mine')).toBeUndefined()
    })

    test('delete removes the object from get, head and list', async () => {
      await storage.put('a/1', 'x')
      await storage.put('a/2', 'y')

      await storage.delete('a/1')

      await expect(storage.get('a/1')).rejects.toBeInstanceOf(ObjectNotFound)
      expect(await storage.head('a/1')).toBeUndefined()
      expect(await keys()).toEqual(['a/2'])
    })
  })

  describe('keys', () => {
    const badKeys: Array<[string, string]> = [
      ['empty', ''],
      ['a .. segment', 'uploads/../../etc/passwd'],
      ['a leading ..', '../outside'],
      ['a . segment', 'a/./b'],
      ['absolute', '/etc/passwd'],
      ['a trailing /', 'a/'],
      ['an empty segment', 'a//b'],
      ['a backslash', 'a\\..\\b'],
      ['NUL', 'a\u0000b'],
      ['a control character', 'a\nb'],
      ['a lone surrogate', 'a\ud800b'],
      ['over 1024 bytes', `${'x/'.repeat(512)}y`],
      ['a segment over 255 bytes', 'ä'.repeat(128)],
      ['a segment named like an in-progress write', 'a/.partial-0123456789abcdef'],
    ]

    test.each(badKeys)('%s is refused by every operation before storage is touched', async (_name, key) => {
      const body = new PassThrough()
      await expect(storage.put(key, body)).rejects.toBeInstanceOf(InvalidObjectKey)
      await expect(storage.get(key)).rejects.toBeInstanceOf(InvalidObjectKey)
      await expect(storage.head(key)).rejects.toBeInstanceOf(InvalidObjectKey)
      await expect(storage.delete(key)).rejects.toBeInstanceOf(InvalidObjectKey)
      expect(body.destroyed).toBe(true)
      expect(await keys()).toEqual([])
    })

    test.each([['../'], ['/a'], ['a//'], ['a\\b'], ['x\u0000']])(
      'list refuses the prefix %j',
      async (prefix) => {
        await expect(collect(storage.list(prefix))).rejects.toBeInstanceOf(InvalidObjectKey)
      },
    )
  })
})

function createSha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex')
}

function formatGrowth(growth: MemoryGrowth): string {
  return `rss +${mib(growth.rss)} MiB, live heap and buffers +${mib(growth.live)} MiB`
}

function mib(bytes: number): string {
  return (bytes / MIB).toFixed(1)
}
