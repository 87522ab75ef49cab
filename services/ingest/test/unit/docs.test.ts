import { readFileSync } from 'node:fs'
import { errorCodeDocGaps } from '@chargebus/errors'
import { catalog } from '@chargebus/events'
import { renderConfigTable } from '@chargebus/platform'
import { configSection, normalizeTables } from '../../../../test/support/readme.ts'
import { IngestConfig } from '../../src/config.ts'
import { IngestErrorCodes } from '../../src/domain/errors.ts'

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8')

test('the README configuration table is the one the schema renders', () => {
  expect(configSection(readme)).toBe(normalizeTables(renderConfigTable(IngestConfig)))
})

test('the README documents every error code, and only codes that exist', () => {
  expect(errorCodeDocGaps(IngestErrorCodes, readme, 'INGEST_ERR_')).toEqual({ missing: [], unknown: [] })
})

test.each(catalog.filter((e) => e.stream.name === 'DOMAIN').map((e) => [e.name]))(
  'the README documents %s',
  (name) => {
    expect(readme).toContain(`\`${name}\``)
  },
)
