/* What only the local directory does: the file layout, and the limits of files as objects. */
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { createStorage, ObjectKeyConflict, ObjectNotFound } from '../../src/index.ts'
import { collect } from '../support/collect.ts'

let base: string

beforeEach(async () => {
  base = await mkdtemp(join(tmpdir(), 'chargebus-local-storage-'))
})
afterEach(() => rm(base, { recursive: true, force: true }))

test('a path or a file URL names the directory, created if missing; objects are plain files in it', async () => {
  const fromPath = await createStorage(join(base, 'from-path'))
  const fromUrl = await createStorage(pathToFileURL(join(base, 'from-url/nested')).href)

  await fromPath.put('ftp/CP-1/firmware.bin', 'bytes')
  await fromUrl.put('manifest.json', '{}')

  expect(await readFile(join(base, 'from-path/ftp/CP-1/firmware.bin'), 'utf8')).toBe('bytes')
  expect(await readdir(join(base, 'from-url/nested'))).toEqual(['manifest.json'])
})

test('list follows S3 order (UTF-8 bytes), interleaving files and directories', async () => {
  const storage = await createStorage(base)
  // "a.txt" < "a/b" < "a0" as bytes ("." < "/" < "0"), though the directory "a" sorts before the file "a.txt"
  const keys = ['B', 'a-b', 'a.txt', 'a/b', 'a/b.c', 'a/c/d', 'a0', 'z', 'é']
  for (const key of [...keys].reverse()) await storage.put(key, key)

  expect((await collect(storage.list())).map((o) => o.key)).toEqual(keys)
})

test('a key cannot be an object and a directory of objects at once', async () => {
  const storage = await createStorage(base)
  await storage.put('a/b/c', 'x')

  await expect(storage.put('a/b', 'names a directory')).rejects.toBeInstanceOf(ObjectKeyConflict)
  await expect(storage.put('a/b/c/d', 'runs through an object')).rejects.toBeInstanceOf(ObjectKeyConflict)
  await expect(storage.get('a/b')).rejects.toBeInstanceOf(ObjectNotFound)
  expect(await storage.head('a/b')).toBeUndefined()
  await expect(storage.delete('a/b')).resolves.toBeUndefined()
  expect((await collect(storage.list())).map((o) => o.key)).toEqual(['a/b/c'])
  expect(await readdir(join(base, 'a/b'))).toEqual(['c'])
})
