import { readFileSync } from 'node:fs'
import { catalog } from '@chargebus/events'
import { renderConfigTable } from '@chargebus/platform'
import { IngestConfig } from '../../src/config.ts'
import { IngestErrorCodes } from '../../src/domain/errors.ts'

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8')

/** Markdown tables compared cell by cell: the formatter pads cells and separator rows. */
function normalizeTables(text: string): string {
  return text
    .split('\n')
    .map((line) =>
      line.startsWith('|') ? line.replace(/\s*\|\s*/g, '|').replace(/\|:?-+:?(?=\|)/g, '|-') : line,
    )
    .join('\n')
}

test('the README configuration table is the one the schema renders', () => {
  const section = /<!-- config:start -->\n([\s\S]*?)\n<!-- config:end -->/.exec(readme)?.[1]
  expect(normalizeTables(section ?? '')).toBe(normalizeTables(renderConfigTable(IngestConfig)))
})

test.each(Object.values(IngestErrorCodes))('the README documents %s', (code) => {
  expect(normalizeTables(readme)).toContain(`|\`${code}\`|`)
})

test.each(catalog.filter((e) => e.stream.name === 'DOMAIN').map((e) => [e.name]))(
  'the README documents %s',
  (name) => {
    expect(readme).toContain(`\`${name}\``)
  },
)
