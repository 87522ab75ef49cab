import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { generateAll } from '../../scripts/generate.ts'
import { describeWithSpec, SPEC_DIR } from '../support/wsdl-facts.ts'

describeWithSpec('generated message modules', () => {
  const generated = generateAll(SPEC_DIR)
  test.each([...generated.keys()])(
    '%s is up to date with the official WSDL (run pnpm --filter @chargebus/ocpp generate)',
    (path) => {
      expect(readFileSync(join(import.meta.dirname, '../..', path), 'utf8')).toBe(generated.get(path))
    },
  )

  test('generation refuses a WSDL that breaks the naming conventions', async () => {
    const { generateModule, SOURCES } = await import('../../scripts/generate.ts')
    const source = SOURCES[0]
    const text = readFileSync(join(SPEC_DIR, source.wsdl), 'utf8').replace(
      'wsaw:Action="/Heartbeat"',
      'wsaw:Action="/Ping"',
    )
    expect(() => generateModule(text, source)).toThrow('operation Heartbeat breaks the /Op, /OpResponse')
  })
})
