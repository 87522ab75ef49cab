import { createHash, randomBytes, randomUUID } from 'node:crypto'
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createStorage, type ObjectStorage } from '@chargebus/storage'
import { testDb } from '../../../../test/support/database.ts'
import { type CommandContext, runCli } from '../../src/index.ts'

const db = testDb()
const dir = mkdtempSync(join(tmpdir(), 'chargebus-cli-files-'))
const storageDir = join(dir, 'storage')
let storage: ObjectStorage
const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex')
const unique = (n: string) => `${n}-${Date.now().toString(36)}${randomBytes(2).toString('hex')}`

beforeAll(async () => {
  storage = await createStorage(storageDir)
})
afterAll(async () => {
  await db.destroy()
  rmSync(dir, { recursive: true, force: true })
})

function capture(env: Record<string, string> = {}) {
  const out: Buffer[] = []
  const err: string[] = []
  const ctx: CommandContext = {
    env: { DATABASE_URL: process.env.DATABASE_URL, STORAGE_URL: storageDir, ...env },
    stdout: { write: (d: string | Uint8Array) => out.push(Buffer.from(d)) },
    stderr: { write: (t: string | Uint8Array) => err.push(String(t)) },
  }
  return {
    ctx,
    stdout: () => Buffer.concat(out),
    text: () => Buffer.concat(out).toString(),
    stderr: () => err.join(''),
  }
}

async function upload(
  stationId: string,
  name: string,
  bytes: Buffer,
  receivedAt: string,
  duplicateOf?: string,
) {
  const id = randomUUID()
  const objectKey = `ftp/${stationId}/${id}`
  if (duplicateOf === undefined) await storage.put(objectKey, bytes)
  await db
    .insertInto('ftp_files')
    .values({
      id,
      station_id: stationId,
      name,
      object_key: objectKey,
      size: bytes.length,
      sha256: sha256(bytes),
      duplicate_of: duplicateOf ?? null,
      received_at: receivedAt,
    })
    .execute()
  return id
}

test('files list shows a station newest first; files get streams to a file or stdout', async () => {
  const station = unique('CLI')
  const older = randomBytes(200_000)
  const olderId = await upload(station, 'diag.log', older, '2026-12-01T08:00:00Z')
  const dupId = await upload(station, 'diag-again.log', older, '2026-12-01T09:00:00Z', olderId)
  const newerId = await upload(station, 'meter.csv', Buffer.from('a;b\n1;2\n'), '2026-12-01T10:00:00Z')

  const list = capture()
  expect(await runCli(['files', 'list', station], list.ctx)).toBe(0)
  expect(
    list
      .text()
      .split('\n')
      .filter(Boolean)
      .map((l) => l.split('\t')[0]),
  ).toEqual([newerId, dupId, olderId])
  expect(list.text()).toContain(
    `${dupId}\t2026-12-01T09:00:00.000Z\t${older.length}\tdiag-again.log\t${olderId}\n`,
  )

  const limited = capture()
  expect(await runCli(['files', 'list', station, '--limit', '1', '--json'], limited.ctx)).toBe(0)
  expect(
    limited
      .text()
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l).id),
  ).toEqual([newerId])

  const output = join(dir, 'copy.log')
  const get = capture()
  expect(await runCli(['files', 'get', dupId, '--output', output], get.ctx)).toBe(0)
  expect(readFileSync(output).equals(older)).toBe(true)
  expect(get.stderr()).toContain(`${output}: ${older.length} bytes, sha256 ${sha256(older)}`)
  expect(readdirSync(dir).filter((f) => f.includes('.partial-'))).toEqual([])

  const toStdout = capture()
  expect(await runCli(['files', 'get', olderId], toStdout.ctx)).toBe(0)
  expect(toStdout.stdout().equals(older)).toBe(true)
})

test('files get refuses bytes that do not match the record and leaves no output file', async () => {
  const station = unique('CLI-BAD')
  const id = await upload(station, 'x.log', Buffer.from('original'), '2026-12-02T08:00:00Z')
  const row = await db
    .selectFrom('ftp_files')
    .select('object_key')
    .where('id', '=', id)
    .executeTakeFirstOrThrow()
  await storage.put(row.object_key, Buffer.from('replaced'))
  const output = join(dir, 'bad.log')
  const get = capture()
  expect(await runCli(['files', 'get', id, '--output', output], get.ctx)).toBe(1)
  expect(get.stderr()).toMatch(/\nchargebus files: file .* the stored bytes have SHA-256/)
  expect(readdirSync(dir).filter((f) => f.startsWith('bad.log'))).toEqual([])
})

test('files: unknown stations and files fail with one line; bad ids are usage errors', async () => {
  const station = capture()
  expect(await runCli(['files', 'list', unique('NOPE')], station.ctx)).toBe(1)
  expect(station.stderr()).toMatch(/^chargebus files: no station NOPE-/)
  const file = capture()
  expect(await runCli(['files', 'get', randomUUID()], file.ctx)).toBe(1)
  expect(file.stderr()).toMatch(/^chargebus files: no station file /)
  const bad = capture()
  expect(await runCli(['files', 'get', 'not-a-uuid'], bad.ctx)).toBe(2)
})

test('firmware add, list and remove; a taken name and a too large file store nothing', async () => {
  const name = `${unique('fw')}.bin`
  const bytes = randomBytes(70_000)
  const path = join(dir, 'image.bin')
  writeFileSync(path, bytes)

  const add = capture()
  expect(await runCli(['firmware', 'add', path, '--name', name, '--version', '3.0.1'], add.ctx)).toBe(0)
  expect(add.text()).toMatch(new RegExp(`^${name}\\t3\\.0\\.1\\t${bytes.length}\\t${sha256(bytes)}\\t`))
  expect(add.stderr()).toContain(`added ${name}`)
  const row = await db
    .selectFrom('firmware_images')
    .selectAll()
    .where('name', '=', name)
    .executeTakeFirstOrThrow()
  const stored = await storage.get(row.object_key)
  const chunks: Buffer[] = []
  for await (const c of stored) chunks.push(c as Buffer)
  expect(Buffer.concat(chunks).equals(bytes)).toBe(true)

  const objects = async () => {
    const keys: string[] = []
    for await (const o of storage.list('firmware/')) keys.push(o.key)
    return keys
  }
  const before = await objects()
  const again = capture()
  expect(await runCli(['firmware', 'add', path, '--name', name, '--version', '3.0.2'], again.ctx)).toBe(1)
  expect(again.stderr()).toContain(`firmware image ${name} exists already`)
  const big = capture({ API_FIRMWARE_MAX_BYTES: '65536' })
  const bigName = `${unique('big')}.bin`

  expect(await runCli(['firmware', 'add', path, '--name', bigName, '--version', '1'], big.ctx)).toBe(1)
  expect(big.stderr()).toContain('exceeds 65536 bytes')
  expect(await objects()).toEqual(before)
  expect(await db.selectFrom('firmware_images').select('id').where('name', '=', bigName).execute()).toEqual(
    [],
  )

  const list = capture()
  expect(await runCli(['firmware', 'list', '--json'], list.ctx)).toBe(0)
  const listed = list
    .text()
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l))
  expect(listed).toContainEqual(expect.objectContaining({ name, version: '3.0.1', size: bytes.length }))

  const remove = capture()
  expect(await runCli(['firmware', 'remove', name], remove.ctx)).toBe(0)
  expect(remove.text()).toBe(`removed ${name} (version 3.0.1, ${bytes.length} bytes)\n`)
  expect(await storage.head(row.object_key)).toBeUndefined()
  const missing = capture()
  expect(await runCli(['firmware', 'remove', name], missing.ctx)).toBe(1)
  expect(missing.stderr()).toContain(`no firmware image ${name}`)
})

test('firmware refuses bad names and a missing version before touching anything', async () => {
  for (const args of [
    ['firmware', 'add', 'x.bin', '--name', '.hidden', '--version', '1'],
    ['firmware', 'add', 'x.bin', '--name', 'a/b', '--version', '1'],
    ['firmware', 'add', 'x.bin', '--name', 'ok.bin'],
    ['firmware', 'remove'],
  ]) {
    const c = capture()
    expect(await runCli(args, c.ctx)).toBe(2)
  }
})
