import { readFileSync } from 'node:fs'
import { renderConfigTable } from '@chargebus/platform'
import { ApiConfig } from '../../src/config.ts'
import { ApiErrorCodes } from '../../src/domain/errors.ts'

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
  expect(normalizeTables(section ?? '')).toBe(normalizeTables(renderConfigTable(ApiConfig)))
})

test.each(Object.entries(ApiErrorCodes))('the README documents %s', (code, { status }) => {
  expect(normalizeTables(readme)).toContain(`|\`${code}\`|${status}|`)
})
