import { existsSync, readFileSync } from 'node:fs'
import { errorCodeDocGaps } from '@chargebus/errors'
import { renderConfigTable } from '@chargebus/platform'
import { configSection, normalizeTables } from '../../../../test/support/readme.ts'
import { AggregatorConfig } from '../../src/config.ts'
import { AggregatorErrorCodes } from '../../src/domain/errors.ts'

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8')

test('the README documents every error code, and only codes that exist', () => {
  expect(errorCodeDocGaps(AggregatorErrorCodes, readme, 'AGGREGATOR_ERR_')).toEqual({
    missing: [],
    unknown: [],
  })
})

test('the README says the service is not built yet exactly as long as it has no main.ts', () => {
  const runs = existsSync(new URL('../../src/main.ts', import.meta.url))
  expect(readme.includes('**Not built yet.**')).toBe(!runs)
})

test('the README configuration table is the one the schema renders', () => {
  expect(configSection(readme)).toBe(normalizeTables(renderConfigTable(AggregatorConfig)))
})
