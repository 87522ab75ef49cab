import { readFileSync } from 'node:fs'
import { errorCodeDocGaps } from '@chargebus/errors'
import { renderConfigTable } from '@chargebus/platform'
import { configSection, normalizeTables } from '../../../../test/support/readme.ts'
import { ApiConfig } from '../../src/config.ts'
import { CommandApiErrorCodes } from '../../src/domain/command-errors.ts'
import { ApiErrorCodes } from '../../src/domain/errors.ts'

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8')

test('the README configuration table is the one the schema renders', () => {
  expect(configSection(readme)).toBe(normalizeTables(renderConfigTable(ApiConfig)))
})

test('the README documents every error code, and only codes that exist', () => {
  const codes = { ...ApiErrorCodes, ...CommandApiErrorCodes }
  expect(errorCodeDocGaps(codes, readme, 'API_ERR_')).toEqual({ missing: [], unknown: [] })
})

test.each(Object.entries(ApiErrorCodes))('the README gives the status of %s', (code, { status }) => {
  expect(normalizeTables(readme)).toContain(`|\`${code}\`|${status}|`)
})
