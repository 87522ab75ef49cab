import { readFileSync } from 'node:fs'
import { errorCodeDocGaps } from '@chargebus/errors'
import { renderConfigTable } from '@chargebus/platform'
import { configSection, normalizeTables } from '../../../../test/support/readme.ts'
import { TraceUiConfig } from '../../src/config.ts'
import { CliErrorCodes } from '../../src/errors.ts'

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8')

test('the README documents every CLI error code, and only codes that exist', () => {
  expect(errorCodeDocGaps(CliErrorCodes, readme, 'CLI_ERR_')).toEqual({ missing: [], unknown: [] })
})

test("the README's configuration table is the one `trace` reads (pnpm docs:config rewrites it)", () => {
  expect(configSection(readme)).toBe(normalizeTables(renderConfigTable(TraceUiConfig)))
})
