import { readFileSync } from 'node:fs'
import { errorCodeDocGaps } from '@chargebus/errors'
import { renderConfigTable } from '@chargebus/platform'
import { configSection, normalizeTables } from '../../../../test/support/readme.ts'
import { FtpIngestConfig } from '../../src/config.ts'
import { FtpIngestErrorCodes } from '../../src/domain/errors.ts'

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8')

test('the README documents every error code, and only codes that exist', () => {
  expect(errorCodeDocGaps(FtpIngestErrorCodes, readme, 'FTP_INGEST_ERR_')).toEqual({
    missing: [],
    unknown: [],
  })
})

test('the README configuration table is the one the schema renders', () => {
  expect(configSection(readme)).toBe(normalizeTables(renderConfigTable(FtpIngestConfig)))
})
