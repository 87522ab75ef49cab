import { attachmentDisposition } from '../../src/domain/content-disposition.ts'

test.each([
  [
    'meter-2026-12-01.csv',
    `attachment; filename="meter-2026-12-01.csv"; filename*=UTF-8''meter-2026-12-01.csv`,
  ],
  // Nothing from the name can close the quoted string, add a parameter or a header line.
  [
    'a"; filename="evil.exe',
    `attachment; filename="a__ filename=_evil.exe"; filename*=UTF-8''a%22%3B%20filename%3D%22evil.exe`,
  ],
  [
    'x\r\nSet-Cookie: a=b',
    `attachment; filename="x__Set-Cookie: a=b"; filename*=UTF-8''x%0D%0ASet-Cookie%3A%20a%3Db`,
  ],
  ['../dir\\f%25.log', `attachment; filename=".._dir_f_25.log"; filename*=UTF-8''..%2Fdir%5Cf%2525.log`],
  ['Zähler (1).csv', `attachment; filename="Z_hler (1).csv"; filename*=UTF-8''Z%C3%A4hler%20%281%29.csv`],
  ['\u00e9', `attachment; filename="_"; filename*=UTF-8''%C3%A9`],
])('attachmentDisposition(%j)', (name, header) => {
  expect(attachmentDisposition(name)).toBe(header)
})
