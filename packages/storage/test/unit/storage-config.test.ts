import { mkdtemp, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ConfigError, loadConfig } from '@chargebus/platform'
import { Type } from 'typebox'
import { createStorageFromConfig, storageConfig } from '../../src/index.ts'

const ServiceConfig = Type.Object({ ...storageConfig })

test('a service needs nothing set: objects go to a local directory', () => {
  expect(loadConfig(ServiceConfig, {})).toEqual({ STORAGE_URL: '.local/storage' })
})

test('S3 settings are read and converted', () => {
  expect(
    loadConfig(ServiceConfig, {
      STORAGE_URL: 's3://chargebus/archive',
      STORAGE_S3_ENDPOINT: 'http://minio:9000',
      STORAGE_S3_REGION: 'eu-central-1',
      STORAGE_S3_FORCE_PATH_STYLE: 'false',
    }),
  ).toEqual({
    STORAGE_URL: 's3://chargebus/archive',
    STORAGE_S3_ENDPOINT: 'http://minio:9000',
    STORAGE_S3_REGION: 'eu-central-1',
    STORAGE_S3_FORCE_PATH_STYLE: false,
  })
})

test.each([
  ['STORAGE_URL', 'http://minio:9000/chargebus'],
  ['STORAGE_S3_ENDPOINT', 'minio:9000'],
  ['STORAGE_S3_FORCE_PATH_STYLE', 'yes'],
])('%s=%s is refused at start-up', (name, value) => {
  expect(() => loadConfig(ServiceConfig, { [name]: value })).toThrow(ConfigError)
})

test('createStorageFromConfig opens the directory STORAGE_URL names', async () => {
  const base = await mkdtemp(join(tmpdir(), 'chargebus-storage-config-'))
  try {
    const storage = await createStorageFromConfig({ STORAGE_URL: join(base, 'objects') })
    await storage.put('a', 'x')
    expect((await stat(join(base, 'objects/a'))).size).toBe(1)
  } finally {
    await rm(base, { recursive: true, force: true })
  }
})
