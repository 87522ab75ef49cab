import { parseWait } from '../../src/domain/command-errors.ts'
import { payloadErrors } from '../../src/entry-points/http/command-schemas.ts'

test.each([
  ['5s', 5000],
  ['500ms', 500],
  ['2', 2000],
  ['120s', 30_000],
  ['soon', undefined],
  [undefined, undefined],
])('parseWait(%s) = %s', (value, expected) => {
  expect(parseWait(value, 30_000)).toBe(expected)
})

test('payloadErrors names every bad field under payload', () => {
  expect(payloadErrors('Reset', { type: 'Soft' })).toEqual([])
  expect(payloadErrors('Reset', {})).toEqual([{ name: 'payload.type', reason: 'is required' }])
  expect(payloadErrors('ChangeConfiguration', { key: 'K', value: 'V', extra: 1 })).toEqual([
    { name: 'payload.extra', reason: 'is not a field of this operation' },
  ])
  expect(payloadErrors('SendLocalList', { updateType: 'Differential' })).toEqual([])
  expect(payloadErrors('GetDiagnostics', {})).toEqual([])
  expect(payloadErrors('RemoteStartTransaction', { idTag: 'X'.repeat(21) }).map((e) => e.name)).toEqual([
    'payload.idTag',
  ])
})

test('UpdateFirmware names exactly one source: a location or a catalogued firmware image', () => {
  const retrieveDate = '2030-01-01T00:00:00.000Z'
  expect(payloadErrors('UpdateFirmware', { retrieveDate, location: 'ftp://fw.example.com/a.bin' })).toEqual(
    [],
  )
  expect(payloadErrors('UpdateFirmware', { retrieveDate, firmware: 'a.bin' })).toEqual([])
  const both = { retrieveDate, location: 'ftp://fw.example.com/a.bin', firmware: 'a.bin' }
  const neither = { retrieveDate }
  for (const payload of [both, neither])
    expect(payloadErrors('UpdateFirmware', payload)).toEqual([
      { name: 'payload.location', reason: 'give exactly one of location and firmware' },
    ])
})
