import { isFirmwareName } from '../../src/firmware-images.ts'

test.each([
  ['acme-2.1.0.bin', true],
  ['A', true],
  ['_x', true],
  ['-x', true],
  ['x'.repeat(128), true],
  ['x'.repeat(129), false],
  ['', false],
  ['.hidden', false],
  ['..', false],
  ['a/b', false],
  ['a\\b', false],
  ['a b', false],
  ['é.bin', false],
  ['fw.bin\n', false],
])('isFirmwareName(%j) is %s', (name, ok) => {
  expect(isFirmwareName(name)).toBe(ok)
})
