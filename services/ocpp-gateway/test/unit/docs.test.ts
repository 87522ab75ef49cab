import { readFileSync } from 'node:fs'
import { renderConfigTable } from '@chargebus/platform'
import { configSection, normalizeTables } from '../../../../test/support/readme.ts'
import { GatewayConfig } from '../../src/config.ts'
import { GatewayErrorCodes } from '../../src/domain/errors.ts'

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8')

test('the README configuration table is the one the schema renders', () => {
  expect(configSection(readme)).toBe(normalizeTables(renderConfigTable(GatewayConfig)))
})

test.each(Object.keys(GatewayErrorCodes))('the README documents %s', (code) => {
  expect(normalizeTables(readme)).toContain(`|\`${code}\`|`)
})
