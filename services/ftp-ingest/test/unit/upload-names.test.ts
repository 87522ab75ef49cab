import { validateObjectKey } from '@chargebus/storage'
import fc from 'fast-check'
import { MAX_NAME_BYTES, uploadName } from '../../src/domain/upload-names.ts'

describe('uploadName', () => {
  test.each([
    ['diag.zip', 'diag.zip'],
    ['/diag.zip', 'diag.zip'],
    ['CP-1/diag.zip', 'diag.zip'],
    ['/CP-1/diag.zip', 'diag.zip'],
    ['meter log 2026-11-26.csv', 'meter log 2026-11-26.csv'],
    ['Zähler.csv', 'Zähler.csv'],
    ['..hidden', '..hidden'],
  ])('%s is accepted as %s', (path, name) => {
    expect(uploadName('CP-1', path)).toEqual({ ok: true, name })
  })

  test.each([
    ['', 'no file name'],
    ['../x', '".."'],
    ['/CP-1/../CP-2/x', '".."'],
    ['/CP-2/x', 'not yours'],
    ['a/b/c', 'not writable'],
    ['/', 'empty'],
    ['CP-1/', 'empty'],
    ['./x', '"."'],
    ['x\u0000', 'control character'],
    ['x\r\ny', 'control character'],
    ['x\\y', 'backslash'],
    ['\ud800x', 'UTF-8'],
    ['é'.repeat(128), 'longer than 255 bytes'],
  ])('%j is refused (%s)', (path, reason) => {
    const verdict = uploadName('CP-1', path)
    expect(verdict.ok).toBe(false)
    expect(verdict.ok ? '' : verdict.reason).toContain(reason)
  })

  test('null and undefined (STOR without an argument) are refused', () => {
    expect(uploadName('CP-1', null).ok).toBe(false)
    expect(uploadName('CP-1', undefined).ok).toBe(false)
  })

  test('whatever arrives, an accepted name is one safe file name: a valid object key segment, at most 255 bytes', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ unit: 'binary' }),
          fc
            .array(fc.constantFrom('..', '.', '', 'CP-1', 'CP-2', 'x', '\u0000', '\\', 'a b'), {
              maxLength: 5,
            })
            .map((s) => s.join('/')),
        ),
        (path) => {
          const verdict = uploadName('CP-1', path)
          if (!verdict.ok) return
          expect(verdict.name).not.toContain('/')
          expect(['.', '..']).not.toContain(verdict.name)
          expect(Buffer.byteLength(verdict.name)).toBeLessThanOrEqual(MAX_NAME_BYTES)
          expect(() => validateObjectKey(`ftp/CP-1/${verdict.name}`)).not.toThrow()
        },
      ),
      { numRuns: 2000 },
    )
  })
})
