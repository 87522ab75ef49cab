import { readFileSync } from 'node:fs'
import { AppError, errorCodeDocGaps } from '@chargebus/errors'
import { renderConfigTable } from '@chargebus/platform'
import { Type } from 'typebox'
import { configSection, normalizeTables } from '../../../../test/support/readme.ts'
import * as storage from '../../src/index.ts'

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8')
const cause = new Error('the disk is full')

/** One of each error class the package exports. */
const examples: AppError[] = [
  new storage.InvalidObjectKey('../x', 'it has a .. segment'),
  new storage.ObjectNotFound('a'),
  new storage.ObjectAlreadyExists('a'),
  new storage.ObjectTooLarge('a', 100),
  new storage.BodyStreamFailed('a', cause),
  new storage.ObjectKeyConflict('a', cause),
  new storage.StorageBackendFailed('put', 'a', cause, true),
  new storage.InvalidStorageConfig('s3://: not an S3 bucket name'),
]

test('the README documents every code, and only codes that exist', () => {
  expect(errorCodeDocGaps(storage.StorageErrorCodes, readme, 'STORAGE_ERR_')).toEqual({
    missing: [],
    unknown: [],
  })
})

test('each exported error class is an AppError with a code of its own, and the status the map gives it', () => {
  const exported = Object.values(storage).filter(
    (v) => typeof v === 'function' && v.prototype instanceof Error,
  )
  expect(exported).toHaveLength(examples.length)
  expect(examples.map((e) => e.code).sort()).toEqual(Object.keys(storage.StorageErrorCodes).sort())
  for (const error of examples) {
    expect(error).toBeInstanceOf(AppError)
    const documented = storage.StorageErrorCodes[error.code as storage.StorageErrorCode]
    expect(error.status).toBe('status' in documented ? documented.status : 500)
  }
})

test('the README configuration table is the one the schema renders', () => {
  expect(configSection(readme)).toBe(normalizeTables(renderConfigTable(Type.Object(storage.storageConfig))))
})
