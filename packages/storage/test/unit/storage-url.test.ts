import { resolve } from 'node:path'
import { InvalidStorageConfig, parseStorageUrl } from '../../src/index.ts'

test.each([
  ['s3://chargebus-archive', { kind: 's3', bucket: 'chargebus-archive', prefix: '' }],
  ['s3://chargebus-archive/', { kind: 's3', bucket: 'chargebus-archive', prefix: '' }],
  ['s3://chargebus-archive/prod', { kind: 's3', bucket: 'chargebus-archive', prefix: 'prod/' }],
  [
    's3://archive.example.com/prod/ocpp/',
    { kind: 's3', bucket: 'archive.example.com', prefix: 'prod/ocpp/' },
  ],
  ['file:///var/lib/chargebus/storage', { kind: 'local', directory: '/var/lib/chargebus/storage' }],
  ['/var/lib/chargebus/storage', { kind: 'local', directory: '/var/lib/chargebus/storage' }],
  ['.local/storage', { kind: 'local', directory: resolve('.local/storage') }],
])('%s', (url, location) => {
  expect(parseStorageUrl(url)).toEqual(location)
})

test.each([
  [''],
  ['s3://'],
  ['s3://UpperCase/prefix'],
  ['s3://ab'],
  ['s3://bucket_with_underscore'],
  ['s3://bucket/../escape'],
  ['s3://bucket/a//b'],
  ['file://other-host/storage'],
  ['http://minio:9000/bucket'],
  ['ftp://archive'],
])('refuses %j', (url) => {
  expect(() => parseStorageUrl(url)).toThrow(InvalidStorageConfig)
})
