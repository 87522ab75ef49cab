import { execFile } from 'node:child_process'
import { createHash, randomBytes } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { promisify } from 'node:util'
import { sql } from '@chargebus/db'
import { Client, type FTPError } from 'basic-ftp'
import { basicFtp as loginWithBasicFtp, startTestEdge, type TestEdge } from '../support/ftp-edge.ts'
import { rawFtp } from '../support/raw-ftp.ts'

const run = promisify(execFile)
const SLOW = 60_000
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex')
const work = mkdtempSync(join(tmpdir(), 'chargebus-ftp-clients-'))

let edge: TestEdge

beforeAll(async () => {
  edge = await startTestEdge({ FTP_LOGIN_MAX_FAILURES: '1000' })
  await edge.addStation('CP-1', 'pw-one')
  await edge.addStation('CP-2', 'pw-two')
}, SLOW)

afterAll(async () => {
  await edge?.close()
  rmSync(work, { recursive: true, force: true })
})

const basicFtp = (user: string, password: string, port = edge.port) => loginWithBasicFtp(port, user, password)

async function rows(stationId: string) {
  const result = await sql<{
    id: string
    name: string
    size: string
    sha256: string
    object_key: string
    duplicate_of: string | null
  }>`select id, name, size, sha256, object_key, duplicate_of from ftp_files where station_id = ${stationId}
     order by received_at, id`.execute(edge.db)
  return result.rows
}

async function objects(prefix: string, e: TestEdge = edge): Promise<string[]> {
  const keys: string[] = []
  for await (const o of e.deps.storage.list(prefix)) keys.push(o.key)
  return keys
}

async function bytesOf(key: string): Promise<Buffer> {
  const chunks: Buffer[] = []
  for await (const chunk of await edge.deps.storage.get(key)) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks)
}

describe('uploads with real clients', () => {
  test(
    'basic-ftp: the file is stored whole, recorded and announced before 226; the same bytes again are kept once',
    async () => {
      const bytes = randomBytes(300_000)
      const client = await basicFtp('CP-1', 'pw-one')
      try {
        const first = await client.uploadFrom(Readable.from(bytes), 'diag-1.zip')
        expect(first.code).toBe(226)
        expect(first.message).toContain(sha256(bytes))
        // By the time 226 arrived, the row, the object and the event exist.
        const [row] = await rows('CP-1')
        expect(row).toMatchObject({
          name: 'diag-1.zip',
          size: '300000',
          sha256: sha256(bytes),
          duplicate_of: null,
        })
        expect((await bytesOf(row?.object_key as string)).equals(bytes)).toBe(true)
        expect(await edge.received()).toEqual([
          expect.objectContaining({
            fileId: row?.id,
            stationId: 'CP-1',
            name: 'diag-1.zip',
            size: 300_000,
            sha256: sha256(bytes),
            objectKey: row?.object_key,
            duplicateOf: null,
          }),
        ])

        const again = await client.uploadFrom(Readable.from(bytes), 'diag-1-again.zip')
        expect(again.code).toBe(226)
        expect(again.message).toContain('already received')
        const [original, duplicate] = await rows('CP-1')
        expect(duplicate).toMatchObject({ name: 'diag-1-again.zip', duplicate_of: original?.id })
        expect(duplicate?.object_key).toBe(original?.object_key)
        expect(await objects('ftp/CP-1/')).toEqual([original?.object_key])
        expect((await edge.received()).at(-1)).toMatchObject({
          fileId: duplicate?.id,
          duplicateOf: original?.id,
        })
      } finally {
        client.close()
      }
    },
    SLOW,
  )

  test(
    "a station lists its own uploads and never another's",
    async () => {
      const one = await basicFtp('CP-1', 'pw-one')
      const two = await basicFtp('CP-2', 'pw-two')
      try {
        await two.uploadFrom(Readable.from(Buffer.from('two')), 'mine.txt')
        expect((await two.list()).map((f) => f.name)).toEqual(['mine.txt'])
        expect((await one.list()).map((f) => f.name)).not.toContain('mine.txt')
        await expect(one.cd('/CP-2')).rejects.toMatchObject({ code: 550 })
        await one.cd('/CP-1')
        expect(await one.pwd()).toBe('/')
      } finally {
        one.close()
        two.close()
      }
    },
    SLOW,
  )

  test(
    "Debian's curl and lftp upload; each file arrives once and whole",
    async () => {
      const file = join(work, 'meter-log.csv')
      const bytes = Buffer.from(
        'timestamp,connector_id,measurand,value,unit\n2026-11-26T10:00:00Z,1,Energy.Active.Import.Register,1000,Wh\n',
      )
      writeFileSync(file, bytes)
      await run('curl', [
        '--silent',
        '--show-error',
        '--user',
        'CP-2:pw-two',
        '-T',
        file,
        `ftp://127.0.0.1:${edge.port}/from-curl.csv`,
      ])
      await run('lftp', [
        '-c',
        `set ftp:ssl-allow no; set net:max-retries 1; set net:timeout 10; open -u CP-2,pw-two -p ${edge.port} 127.0.0.1; put ${file} -o from-lftp.csv`,
      ])
      const stored = (await rows('CP-2')).filter((r) => r.name.startsWith('from-'))
      expect(stored.map((r) => [r.name, r.sha256])).toEqual([
        ['from-curl.csv', sha256(bytes)],
        ['from-lftp.csv', sha256(bytes)],
      ])
      expect(stored[1]?.duplicate_of).toBe(stored[0]?.id)
    },
    SLOW,
  )
})

describe('bad input gets a reply code and stores nothing', () => {
  test.each([
    ['a parent directory', '../x.zip'],
    ['another station directory', '/CP-2/x.zip'],
    ['a nested directory', 'a/b/c.zip'],
    ['an absolute path elsewhere', '/etc/passwd'],
    ['a NUL byte', 'x\u0000y.zip'],
    ['a bare CR', 'x\ry.zip'],
    ['a backslash', '..\\x.zip'],
    ['an overlong name', 'n'.repeat(300)],
    ['a lone dot-dot', '..'],
  ])('%s: 553', async (_, name) => {
    const ftp = await rawFtp(edge.port)
    try {
      expect((await ftp.login('CP-1', 'pw-one')).code).toBe(230)
      const before = await rows('CP-1')
      const reply = await ftp.send(`STOR ${name}`)
      expect(reply.code).toBe(553)
      expect(await rows('CP-1')).toEqual(before)
    } finally {
      ftp.close()
    }
  })

  test.each([
    'PORT 127,0,0,1,200,10',
    'EPRT |1|10.0.0.1|2000|',
    'SITE CHMOD 777 x',
    'DELE x',
    'APPE x',
    'RNFR x',
    'MKD x',
  ])('%s: 502 (active mode, bounce and file changes are off)', async (line) => {
    const ftp = await rawFtp(edge.port)
    try {
      await ftp.login('CP-1', 'pw-one')
      expect((await ftp.send(line)).code).toBe(502)
    } finally {
      ftp.close()
    }
  })

  test('a data connection reset mid-upload: 426, nothing stored or announced', async () => {
    const ftp = await rawFtp(edge.port)
    try {
      await ftp.login('CP-1', 'pw-one')
      const events = (await edge.received()).length
      const objectsBefore = await objects('ftp/CP-1/')
      const data = await ftp.passive()
      const started = ftp.send('STOR cut.zip')
      expect((await started).code).toBe(150)
      data.write(randomBytes(64 * 1024))
      await new Promise((r) => setTimeout(r, 100))
      data.resetAndDestroy()
      expect((await ftp.next()).code).toBe(426)
      expect((await rows('CP-1')).map((r) => r.name)).not.toContain('cut.zip')
      expect(await objects('ftp/CP-1/')).toEqual(objectsBefore)
      expect((await edge.received()).length).toBe(events)
    } finally {
      ftp.close()
    }
  })

  test('ABOR during an upload: 426 for the transfer, 226 for the abort, nothing stored', async () => {
    const ftp = await rawFtp(edge.port)
    try {
      await ftp.login('CP-1', 'pw-one')
      const objectsBefore = await objects('ftp/CP-1/')
      const data = await ftp.passive()
      expect((await ftp.send('STOR aborted.zip')).code).toBe(150)
      data.write(randomBytes(16 * 1024))
      await new Promise((r) => setTimeout(r, 100))
      ftp.socket.write('ABOR\r\n')
      expect([(await ftp.next()).code, (await ftp.next()).code]).toEqual([426, 226])
      expect((await rows('CP-1')).map((r) => r.name)).not.toContain('aborted.zip')
      expect(await objects('ftp/CP-1/')).toEqual(objectsBefore)
      data.destroy()
    } finally {
      ftp.close()
    }
  })

  test('the control connection closes mid-upload, then the data ends: nothing stored (the station never heard 226)', async () => {
    const ftp = await rawFtp(edge.port)
    await ftp.login('CP-1', 'pw-one')
    const events = (await edge.received()).length
    const objectsBefore = await objects('ftp/CP-1/')
    const data = await ftp.passive()
    expect((await ftp.send('STOR orphan.zip')).code).toBe(150)
    data.write(randomBytes(32 * 1024))
    ftp.close()
    await new Promise((r) => setTimeout(r, 100))
    data.end()
    await new Promise((r) => setTimeout(r, 500))
    expect((await rows('CP-1')).map((r) => r.name)).not.toContain('orphan.zip')
    expect(await objects('ftp/CP-1/')).toEqual(objectsBefore)
    expect((await edge.received()).length).toBe(events)
  })
})

describe('accounts', () => {
  let strict: TestEdge

  beforeAll(async () => {
    strict = await startTestEdge({ FTP_LOGIN_MAX_FAILURES: '3', FTP_LOGIN_TIMEOUT_MS: '1000' })
    await strict.addStation('CP-Q', 'pw-q')
    await strict.addStation('CP-PENDING', 'pw-p', 'Pending')
  }, SLOW)
  afterAll(() => strict?.close())

  test(
    'wrong password, unknown station, anonymous and a Pending station get the same 530; then the address is throttled',
    async () => {
      const texts: string[] = []
      for (const [user, password] of [
        ['CP-Q', 'wrong'],
        ['CP-NOBODY', 'pw-q'],
        ['anonymous', 'guest@example.com'],
      ]) {
        const ftp = await rawFtp(strict.port)
        const reply = await ftp.login(user as string, password as string)
        expect(reply.code).toBe(530)
        texts.push(reply.text)
        ftp.close()
      }
      expect(new Set(texts).size).toBe(1)
      // three failures from this address: now even the right password is refused without a check
      const ftp = await rawFtp(strict.port)
      const throttled = await ftp.login('CP-Q', 'pw-q')
      expect(throttled.code).toBe(530)
      expect(throttled.text).toMatch(/too many failed logins/i)
      ftp.close()
    },
    SLOW,
  )

  test('a connection that does not log in is closed (421)', async () => {
    const ftp = await rawFtp(strict.port)
    const reply = await ftp.next(5000)
    expect(reply.code).toBe(421)
    await new Promise((r) => setTimeout(r, 100))
    expect(ftp.closed).toBe(true)
  })
})

describe('limits', () => {
  let limited: TestEdge

  beforeAll(async () => {
    limited = await startTestEdge({
      FTP_TRANSFER_TIMEOUT_MS: '1000',
      FTP_MAX_FILE_BYTES: '600',
      FTP_QUOTA_BYTES: '1000',
    })
    await limited.addStation('CP-Q', 'pw-q')
    await limited.addStation('CP-T', 'pw-t')
  }, SLOW)
  afterAll(() => limited?.close())

  const upload = async (size: number, name: string) => {
    const client = new Client(10_000)
    await client.access({ host: '127.0.0.1', port: limited.port, user: 'CP-Q', password: 'pw-q' })
    try {
      return await client.uploadFrom(Readable.from(randomBytes(size)), name)
    } catch (err) {
      return err as FTPError
    } finally {
      client.close()
    }
  }

  test(
    'a file over the limit, then uploads past the quota: 552 and nothing stored',
    async () => {
      expect(await upload(700, 'big.bin')).toMatchObject({ code: 552 }) // over the 600-byte file limit
      expect(await upload(500, 'a.bin')).toMatchObject({ code: 226 })
      expect(await upload(600, 'b.bin')).toMatchObject({ code: 552 }) // 500 of the 1000 left: cut off
      expect(await upload(400, 'c.bin')).toMatchObject({ code: 226 })
      expect(await upload(200, 'd.bin')).toMatchObject({ code: 552 }) // 100 left
      expect(await upload(100, 'e.bin')).toMatchObject({ code: 226 })
      expect(await upload(1, 'f.bin')).toMatchObject({ code: 552 }) // nothing left: refused before a byte is read
      const names = await sql<{ name: string }>`select name from ftp_files order by received_at`.execute(
        limited.db,
      )
      expect(names.rows.map((r) => r.name)).toEqual(['a.bin', 'c.bin', 'e.bin'])
      expect(await objects('ftp/', limited)).toHaveLength(3)
    },
    SLOW,
  )

  test('an upload that stalls is aborted (426) and nothing is stored', async () => {
    const ftp = await rawFtp(limited.port)
    try {
      await ftp.login('CP-T', 'pw-t')
      const before = await objects('ftp/', limited)
      const data = await ftp.passive()
      expect((await ftp.send('STOR slow.bin')).code).toBe(150)
      data.write(Buffer.from('some'))
      expect((await ftp.next(5000)).code).toBe(426)
      expect(await objects('ftp/', limited)).toEqual(before)
      data.destroy()
    } finally {
      ftp.close()
    }
  })
})

describe('explicit FTPS (AUTH TLS), required', () => {
  let secure: TestEdge
  const cert = join(work, 'cert.pem')
  const key = join(work, 'key.pem')

  beforeAll(async () => {
    await run('openssl', [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      key,
      '-out',
      cert,
      '-days',
      '2',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
    ])
    secure = await startTestEdge({ FTP_TLS_CERT_FILE: cert, FTP_TLS_KEY_FILE: key, FTP_REQUIRE_TLS: 'true' })
    await secure.addStation('CP-S', 'pw-s')
  }, SLOW)
  afterAll(() => secure?.close())

  test('a password before AUTH TLS is never asked for: USER gets 530', async () => {
    const ftp = await rawFtp(secure.port)
    try {
      const reply = await ftp.send('USER CP-S')
      expect(reply.code).toBe(530)
      expect(reply.text).toMatch(/AUTH TLS/)
    } finally {
      ftp.close()
    }
  })

  test(
    'basic-ftp, curl and lftp upload over TLS, checking the certificate',
    async () => {
      const bytes = randomBytes(50_000)
      const file = join(work, 'secure.bin')
      writeFileSync(file, bytes)
      const client = new Client(10_000)
      try {
        await client.access({
          host: '127.0.0.1',
          port: secure.port,
          user: 'CP-S',
          password: 'pw-s',
          secure: true,
          secureOptions: { ca: [readFileSync(cert)] },
        })
        expect((await client.uploadFrom(Readable.from(bytes), 'basic.bin')).code).toBe(226)
      } finally {
        client.close()
      }
      await run('curl', [
        '--silent',
        '--show-error',
        '--ssl-reqd',
        '--cacert',
        cert,
        '--user',
        'CP-S:pw-s',
        '-T',
        file,
        `ftp://127.0.0.1:${secure.port}/curl.bin`,
      ])
      await run('lftp', [
        '-c',
        `set ftp:ssl-force true; set ftp:ssl-protect-data true; set ssl:ca-file ${cert}; set net:max-retries 1; set net:timeout 10; open -u CP-S,pw-s -p ${secure.port} 127.0.0.1; put ${file} -o lftp.bin`,
      ])
      const stored = await sql<{ name: string; sha256: string }>`
        select name, sha256 from ftp_files order by received_at, id`.execute(secure.db)
      expect(stored.rows).toEqual([
        { name: 'basic.bin', sha256: sha256(bytes) },
        { name: 'curl.bin', sha256: sha256(bytes) },
        { name: 'lftp.bin', sha256: sha256(bytes) },
      ])
    },
    SLOW,
  )
})
