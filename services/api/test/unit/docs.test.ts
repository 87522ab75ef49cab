import { readFileSync } from 'node:fs'
import { renderConfigTable } from '@chargebus/platform'
import { configSection, normalizeTables } from '../../../../test/support/readme.ts'
import { ApiConfig } from '../../src/config.ts'
import { ApiErrorCodes } from '../../src/domain/errors.ts'

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8')

test('the README configuration table is the one the schema renders', () => {
  expect(configSection(readme)).toBe(normalizeTables(renderConfigTable(ApiConfig)))
})

test.each(Object.entries(ApiErrorCodes))('the README documents %s', (code, { status }) => {
  expect(normalizeTables(readme)).toContain(`|\`${code}\`|${status}|`)
})
