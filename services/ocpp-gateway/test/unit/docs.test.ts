import { readFileSync } from 'node:fs'
import { errorCodeDocGaps } from '@chargebus/errors'
import { renderConfigTable } from '@chargebus/platform'
import { configSection, normalizeTables } from '../../../../test/support/readme.ts'
import { CommandErrorCodes } from '../../src/commands/domain/command-errors.ts'
import { GatewayConfig } from '../../src/config.ts'
import { GatewayErrorCodes } from '../../src/domain/errors.ts'

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8')

test('the README configuration table is the one the schema renders', () => {
  expect(configSection(readme)).toBe(normalizeTables(renderConfigTable(GatewayConfig)))
})

test('the README documents every error code, and only codes that exist', () => {
  expect(errorCodeDocGaps(GatewayErrorCodes, readme, 'GATEWAY_ERR_')).toEqual({ missing: [], unknown: [] })
  expect(errorCodeDocGaps(CommandErrorCodes, readme, 'COMMAND_ERR_')).toEqual({ missing: [], unknown: [] })
})
