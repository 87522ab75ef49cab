import { randomBytes, randomUUID } from 'node:crypto'
import { testDb } from '../../../../test/support/database.ts'
import {
  deleteFirmwareImage,
  findFirmwareImage,
  insertFirmwareImage,
  listFirmwareImages,
} from '../../src/index.ts'

const db = testDb()
afterAll(() => db.destroy())

const image = (name: string) => ({
  id: randomUUID(),
  name,
  version: '1.0',
  size: 3,
  sha256: 'a'.repeat(64),
  objectKey: `firmware/x/${name}`,
  createdAt: new Date('2026-12-06T10:00:00.123Z'),
  description: null,
})

test('insert, find, list after a name, delete; a taken name inserts nothing', async () => {
  const prefix = `t${randomBytes(4).toString('hex')}`
  const a = image(`${prefix}-a.bin`)
  const b = image(`${prefix}-b.bin`)
  expect(await insertFirmwareImage(db, b)).toBe(true)
  expect(await insertFirmwareImage(db, a)).toBe(true)
  expect(await insertFirmwareImage(db, { ...image(a.name), version: '2.0' })).toBe(false)
  expect(await findFirmwareImage(db, a.name)).toEqual(a)
  const after = await listFirmwareImages(db, { limit: 1, after: a.name })
  expect(after.map((i) => i.name)).toEqual([b.name])
  expect(await deleteFirmwareImage(db, a.name)).toEqual(a)
  expect(await findFirmwareImage(db, a.name)).toBeUndefined()
  expect(await deleteFirmwareImage(db, a.name)).toBeUndefined()
})

test('the table refuses what the name and hash rules refuse, whoever writes', async () => {
  for (const bad of [
    image('.hidden'),
    image('a/b'),
    { ...image(`ok${randomBytes(3).toString('hex')}`), sha256: 'XYZ' },
  ]) {
    await expect(insertFirmwareImage(db, bad)).rejects.toMatchObject({ code: '23514' })
  }
})
