import { readFileSync } from 'node:fs'
import { errorCodeDocGaps } from '@chargebus/errors'
import { Type } from 'typebox'
import { commonConfig, PlatformErrorCode, renderConfigTable } from '../../src/index.ts'

/** Table cells without padding, so comparisons survive the formatter aligning the columns. */
function normalizeTables(markdown: string): string {
  return markdown
    .split('\n')
    .map((line) =>
      line.startsWith('|')
        ? line
            .split('|')
            .map((cell) => cell.trim().replace(/^-+$/, '---'))
            .join('|')
        : line,
    )
    .join('\n')
}

const readme = normalizeTables(readFileSync(new URL('../../README.md', import.meta.url), 'utf8'))

describe('README', () => {
  test('documents every error code, and only codes that exist (like fastify/test/internals/errors.test.js)', () => {
    expect(errorCodeDocGaps(PlatformErrorCode, readme, 'PLATFORM_ERR_')).toEqual({ missing: [], unknown: [] })
  })

  test.each([
    ['logging', commonConfig.logging],
    ['telemetry', commonConfig.telemetry],
    ['http({ port: 3000 })', commonConfig.http({ port: 3000 })],
    ['database', commonConfig.database],
    ['nats', commonConfig.nats],
  ])('shows the configuration table of commonConfig.%s as the code defines it', (name, piece) => {
    const section = normalizeTables(`#### commonConfig.${name}\n\n${renderConfigTable(Type.Object(piece))}\n`)
    const configBlock = readme.slice(
      readme.indexOf('<!-- config:start -->'),
      readme.indexOf('<!-- config:end -->'),
    )
    // On failure, paste the expected section (renderConfigTable's output) into packages/platform/README.md.
    expect(configBlock).toContain(section)
  })
})
