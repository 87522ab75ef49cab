import { readFileSync } from 'node:fs'
import { errorCodeDocGaps } from '@chargebus/errors'
import { CliErrorCodes } from '../../src/errors.ts'

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8')

test('the README documents every CLI error code, and only codes that exist', () => {
  expect(errorCodeDocGaps(CliErrorCodes, readme, 'CLI_ERR_')).toEqual({ missing: [], unknown: [] })
})
