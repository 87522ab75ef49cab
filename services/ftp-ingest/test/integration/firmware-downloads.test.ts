import { execFile } from 'node:child_process'
import { createHash, randomBytes, randomUUID } from 'node:crypto'
import { Writable } from 'node:stream'
import { promisify } from 'node:util'
import { insertFirmwareImage } from '@chargebus/db'
import type { Client, FTPError } from 'basic-ftp'
import { basicFtp, startTestEdge, type TestEdge } from '../support/ftp-edge.ts'

/*
 * Firmware served read-only from the edge to a download grant (issued by the gateway for UpdateFirmware of a
 * catalogued image): only that image, resumable, spent by one complete download; nothing readable otherwise.
 */

const SLOW = 60_000
const run = promisify(execFile)
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex')
const image = randomBytes(3 * 1024 * 1024 + 17)
let edge: TestEdge

beforeAll(async () => {
  edge = await startTestEdge({ FTP_LOGIN_MAX_FAILURES: '1000' })
  await edge.addStation('CP-9', 'station-password')
  const stored = await edge.deps.storage.put('firmware/fw-2.0.bin', image)
  await insertFirmwareImage(edge.deps.db, {
    id: randomUUID(),
    name: 'fw-2.0.bin',
    version: '2.0',
    size: stored.size,
    sha256: stored.sha256,
    objectKey: stored.key,
    createdAt: new Date('2030-01-01T00:00:00Z'),
    description: null,
  })
}, SLOW)
afterAll(() => edge?.close())

const grantFor = (fileName: string) =>
  edge.grant({ stationId: 'CP-9', commandId: randomUUID(), access: 'download', fileName })

/** Downloads into memory; `cutAfter` bytes closes the client mid-transfer. */
async function download(client: Client, name: string, startAt = 0, cutAfter = Number.POSITIVE_INFINITY) {
  const chunks: Buffer[] = []
  let received = 0
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk)
      received += chunk.length
      if (received >= cutAfter) client.close()
      done()
    },
  })
  await client.downloadTo(sink, name, startAt)
  return Buffer.concat(chunks)
}

const loginCode = (user: string, password: string) =>
  basicFtp(edge.port, user, password).then(
    (c) => {
      c.close()
      return 230
    },
    (err: FTPError) => err.code,
  )

test(
  'a download grant lists and downloads its image, resumes at an offset, and is spent by the complete download',
  async () => {
    const { user, password } = await grantFor('fw-2.0.bin')
    const client = await basicFtp(edge.port, user, password)
    try {
      expect((await client.list()).map((e) => [e.name, e.size])).toEqual([['fw-2.0.bin', image.length]])
      expect(await client.size('fw-2.0.bin')).toBe(image.length)
      // Resumed from an offset (REST): the rest of the bytes, and not yet a complete download.
      expect((await download(client, 'fw-2.0.bin', 1_000_000)).equals(image.subarray(1_000_000))).toBe(true)
    } finally {
      client.close()
    }
    expect(await loginCode(user, password)).toBe(530)
  },
  SLOW,
)

test(
  'a download cut off keeps the grant; the next one completes it, then it is spent',
  async () => {
    const { user, password } = await grantFor('fw-2.0.bin')
    const first = await basicFtp(edge.port, user, password)
    await expect(download(first, 'fw-2.0.bin', 0, 64 * 1024)).rejects.toThrow()
    const again = await basicFtp(edge.port, user, password)
    try {
      expect(sha256(await download(again, '/fw-2.0.bin'))).toBe(sha256(image))
    } finally {
      again.close()
    }
    expect(await loginCode(user, password)).toBe(530)
  },
  SLOW,
)

test('curl downloads with a grant the way a station following the location would', async () => {
  const { user, password } = await grantFor('fw-2.0.bin')
  const { stdout } = await run(
    'curl',
    ['--silent', '--show-error', '--ftp-pasv', `ftp://${user}:${password}@127.0.0.1:${edge.port}/fw-2.0.bin`],
    { encoding: 'buffer', maxBuffer: 8 * 1024 * 1024 },
  )
  expect(sha256(stdout)).toBe(sha256(image))
})

test('a grant reads only its own image, and only while it is catalogued', async () => {
  const { user, password } = await grantFor('fw-2.0.bin')
  const client = await basicFtp(edge.port, user, password)
  try {
    await expect(download(client, 'other.bin')).rejects.toMatchObject({ code: 551 })
    await expect(download(client, '../ftp/CP-9/x')).rejects.toMatchObject({ code: 551 })
    await expect(client.cd('/firmware')).rejects.toMatchObject({ code: 550 })
  } finally {
    client.close()
  }
  // A grant for an image no longer in the catalogue shows nothing.
  const gone = await grantFor('removed.bin')
  const other = await basicFtp(edge.port, gone.user, gone.password)
  try {
    expect(await other.list()).toEqual([])
    await expect(download(other, 'removed.bin')).rejects.toMatchObject({ code: 551 })
  } finally {
    other.close()
  }
})

test('a station’s own login reads nothing: RETR is 550, REST 502', async () => {
  const client = await basicFtp(edge.port, 'CP-9', 'station-password')
  try {
    await expect(download(client, 'fw-2.0.bin')).rejects.toMatchObject({ code: 550 })
    await expect(client.send('REST 100')).rejects.toMatchObject({ code: 502 })
  } finally {
    client.close()
  }
})
