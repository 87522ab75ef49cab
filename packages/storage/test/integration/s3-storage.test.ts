/* What only S3 does: metadata, the prefix in the key length, and how S3's failures surface. */
import { createServer } from 'node:net'
import { createStorage, InvalidObjectKey, type ObjectStorage, StorageBackendFailed } from '../../src/index.ts'
import { S3_TEST_TUNING } from '../support/backends.ts'
import { randomBody } from '../support/bodies.ts'
import { collect } from '../support/collect.ts'
import { type S3TestServer, startS3Server } from '../support/s3-server.ts'

let server: S3TestServer

beforeAll(async () => {
  server = await startS3Server()
})
afterAll(() => server.stop())

function storageAt(url: string, endpoint = server.endpoint): Promise<ObjectStorage> {
  return createStorage(url, { s3: { endpoint, credentials: server.credentials, ...S3_TEST_TUNING } })
}

test('head has the SHA-256 of a body put from memory, not of a stream (its digest comes too late)', async () => {
  const storage = await storageAt(`s3://${server.bucket}/digests`)
  const fromMemory = await storage.put('manifest.json', '{"parts":[]}')
  const body = randomBody(1000)
  await storage.put('part-1.jsonl.gz', body.stream)

  expect(await storage.head('manifest.json')).toMatchObject({ sha256: fromMemory.sha256 })
  expect(await storage.head('part-1.jsonl.gz')).not.toHaveProperty('sha256')
})

test('a bucket without a prefix holds keys as they are', async () => {
  const whole = await storageAt(`s3://${server.bucket}`)
  const prefixed = await storageAt(`s3://${server.bucket}/tenant-1`)

  await prefixed.put('a/b', 'x')

  expect(await whole.head('tenant-1/a/b')).toMatchObject({ size: 1 })
})

test('the 1024-byte limit counts the prefix too', async () => {
  const storage = await storageAt(`s3://${server.bucket}/${'p'.repeat(100)}`)
  const key = `${'k'.repeat(250)}/`.repeat(3).concat('k'.repeat(200)) // 953 bytes: fine alone, not after 101

  await expect(storage.put(key, 'x')).rejects.toBeInstanceOf(InvalidObjectKey)
  await expect(storage.head(key)).rejects.toBeInstanceOf(InvalidObjectKey)
})

test('a server that cannot be reached is a retryable backend failure', async () => {
  const storage = await storageAt(`s3://${server.bucket}`, `http://127.0.0.1:${await closedPort()}`)

  const put = storage.put('k', 'x')

  await expect(put).rejects.toBeInstanceOf(StorageBackendFailed)
  await expect(put).rejects.toMatchObject({ code: 'STORAGE_ERR_BACKEND', retryable: true })
})

test('a server that dies while a stream body is read is the backend failing, not the body', async () => {
  const dying = await startS3Server()
  const storage = await storageAt(`s3://${dying.bucket}`, dying.endpoint)
  const body = randomBody(12 * 1024 * 1024, {
    beforeChunk: async (given) => {
      if (given === 6 * 1024 * 1024) await dying.stop()
    },
  })

  const put = storage.put('ftp/CP-1/upload.bin', body.stream)

  await expect(put).rejects.toBeInstanceOf(StorageBackendFailed)
  await expect(put).rejects.toMatchObject({ code: 'STORAGE_ERR_BACKEND', retryable: true })
  expect(body.stream.destroyed).toBe(true)
})

test('a missing bucket is a backend failure that retrying does not fix', async () => {
  const storage = await storageAt('s3://no-such-bucket')

  await expect(storage.put('k', 'x')).rejects.toMatchObject({ code: 'STORAGE_ERR_BACKEND', retryable: false })
  await expect(storage.get('k')).rejects.toMatchObject({ code: 'STORAGE_ERR_BACKEND', retryable: false })
  await expect(collect(storage.list())).rejects.toMatchObject({ code: 'STORAGE_ERR_BACKEND' })
})

/** A port nothing listens on: one the system just gave out and took back. */
async function closedPort(): Promise<number> {
  const probe = createServer()
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve))
  const { port } = probe.address() as { port: number }
  await new Promise((resolve) => probe.close(resolve))
  return port
}
