import { readFileSync } from 'node:fs'
import { errorCodeDocGaps } from '@chargebus/errors'
import { SimulatorErrorCode } from '../../src/errors.ts'

test('the README documents every error code, and only codes that exist', () => {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8')
  expect(errorCodeDocGaps(SimulatorErrorCode, readme, 'SIM_ERR_')).toEqual({ missing: [], unknown: [] })
})
