import { createStorage, InvalidStorageConfig, type S3Options } from '../../src/index.ts'

const MIB = 1024 * 1024

test.each<[string, S3Options]>([
  ['parts under S3 minimum of 5 MiB', { partSize: 4 * MIB }],
  ['parts of a fraction of a byte', { partSize: 5 * MIB + 0.5 }],
  ['no part in flight', { queueSize: 0 }],
  ['an empty list page', { listPageSize: 0 }],
  ['list pages over S3 maximum of 1000', { listPageSize: 1001 }],
])('refuses %s', async (_name, s3) => {
  await expect(
    createStorage('s3://bucket', { s3: { endpoint: 'http://127.0.0.1:9000', ...s3 } }),
  ).rejects.toThrow(InvalidStorageConfig)
})

test('a storage URL of another scheme is refused', async () => {
  await expect(createStorage('https://bucket.s3.amazonaws.com')).rejects.toThrow(InvalidStorageConfig)
})

test('an S3-compatible endpoint needs no region: it defaults to us-east-1', async () => {
  await expect(
    createStorage('s3://bucket', { s3: { endpoint: 'http://127.0.0.1:9000' } }),
  ).resolves.toBeDefined()
})
