import type { DeadLetter, DeadLetterRecord } from '@chargebus/bus'
import { isSecretField, isSecretHeader, maskSecretsInText } from '../../src/domain/redact.ts'
import { toDeadLetterView } from '../../src/entry-points/http/dead-letter-view.ts'

/* What a dead letter shows: credentials masked for everyone, opaque payloads for admin keys only. */

function aDeadLetter(record: Partial<DeadLetterRecord> = {}): DeadLetter {
  return {
    id: 7,
    record: {
      stream: 'OCPP_IN',
      consumer: 'ingest',
      subject: 'ocpp.in.1_6.CP-1.Heartbeat',
      streamSequence: 42,
      headers: {
        'Nats-Msg-Id': ['CP-1/1'],
        traceparent: ['00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01'],
      },
      payload: '{"stationId":"CP-1", "action":"Heartbeat"}',
      payloadEncoding: 'utf8',
      publishedAt: '2026-11-26T10:00:00.000Z',
      reason: 'non-retryable',
      error: { name: 'Refused', message: 'station unknown' },
      deliveryCount: 1,
      maxDeliver: 5,
      deadLetteredAt: '2026-11-26T10:00:00.050Z',
      ...record,
    },
  }
}

const view = (record: Partial<DeadLetterRecord>, showOpaque = false) =>
  toDeadLetterView(aDeadLetter(record), { showOpaque })

test('a dead letter without credentials is shown as stored, byte for byte', () => {
  const v = view({})
  expect(v).toMatchObject({
    id: 7,
    event: null,
    msgId: null,
    payload: '{"stationId":"CP-1", "action":"Heartbeat"}',
    error: { code: null, name: 'Refused', message: 'station unknown' },
    redacted: false,
  })
  expect(v.headers).toEqual(aDeadLetter().record.headers)
})

test.each([
  ['authorization'],
  ['Authorization'],
  ['Proxy-Authorization'],
  ['Cookie'],
  ['X-Api-Key'],
  ['X-Auth-Token'],
  ['Nats-Auth-Token'],
  ['X-Signature'],
  ['client_secret'],
])('the value of a %s header is masked', (name) => {
  const v = view({ headers: { [name]: ['Bearer cbk_abcdefghijklmnop', 'second'], 'Nats-Msg-Id': ['x'] } })
  expect(v.headers[name]).toEqual(['***', '***'])
  expect(v.headers['Nats-Msg-Id']).toEqual(['x'])
  expect(v.redacted).toBe(true)
})

test.each([
  ['a URL password', 'ftp://fw:hunter2@files.example.com/x.bin', 'ftp://fw:***@files.example.com/x.bin'],
  ['a bearer token', 'sent Bearer abc.def-ghi', 'sent Bearer ***'],
  ['basic credentials', 'Basic dXNlcjpodW50ZXIy', 'Basic ***'],
  ['an API key', 'key cbk_q3N0aZ1xq3N0aZ1xq3N0aZ1x leaked', 'key cbk_*** leaked'],
  ['a JWT', 'jwt eyJhbGciOiJ.eyJzdWIiOiIx.c2lnbmF0dXJl end', 'jwt *** end'],
  ['an NKey seed', `seed SUA${'B'.repeat(55)}`, 'seed ***'],
])('%s in text is masked', (_, text, masked) => {
  expect(maskSecretsInText(text)).toBe(masked)
  expect(view({ headers: { 'X-Note': [text] } }).headers['X-Note']).toEqual([masked])
  expect(view({ error: { name: 'E', message: text } }).error.message).toBe(masked)
  expect(view({ payload: text }).payload).toBe(masked)
})

test('credential fields of a JSON payload are masked at any depth; data that merely mentions auth is not', () => {
  const payload = JSON.stringify({
    stationId: 'CP-1',
    nested: { password: 'hunter2', list: [{ accessToken: 't0k3n' }], apiKey: 'k' },
    localAuthorizationList: [{ idTag: 'TAG-1' }],
    location: 'ftp://u:pw@host/f',
  })
  const v = view({ payload })
  expect(JSON.parse(v.payload)).toEqual({
    stationId: 'CP-1',
    nested: { password: '***', list: [{ accessToken: '***' }], apiKey: '***' },
    localAuthorizationList: [{ idTag: 'TAG-1' }],
    location: 'ftp://u:***@host/f',
  })
  expect(v.payload).not.toMatch(/hunter2|t0k3n|pw@/)
  expect(v.redacted).toBe(true)
})

test("a command's secrets (the station password, a file server's password) are masked, whatever its headers say", () => {
  const command = (payload: Record<string, unknown>, operation: string) =>
    JSON.stringify({
      commandId: '0b6c2f5e-8f2a-4c1e-9d3b-5a7e1f2c3d40',
      stationId: 'CP-1',
      operation,
      payload,
    })
  const password = view({
    stream: 'COMMANDS',
    payload: command(
      { key: 'AuthorizationKey', value: '00112233445566778899aabbccddeeff' },
      'ChangeConfiguration',
    ),
  })
  expect(JSON.parse(password.payload).payload).toEqual({ key: 'AuthorizationKey', value: '***' })
  const firmware = view({
    payload: command(
      { location: 'ftp://fw:hunter2@files/x.bin', retrieveDate: '2030-01-01T00:00:00Z' },
      'UpdateFirmware',
    ),
  })
  expect(firmware.payload).not.toContain('hunter2')
  const answer = view({
    payload: JSON.stringify({
      operation: 'GetConfiguration',
      response: { configurationKey: [{ key: 'AuthorizationKey', readonly: false, value: 'abc123' }] },
    }),
  })
  expect(JSON.parse(answer.payload).response.configurationKey[0].value).toBe('***')
})

test('a payload that is not UTF-8 cannot be checked: admin keys see it, others get `withheld`', () => {
  const opaque = {
    payload: Buffer.from([0xff, 0xfe, 0x00]).toString('base64'),
    payloadEncoding: 'base64' as const,
  }
  expect(view(opaque, true)).toMatchObject({ payload: opaque.payload, payloadEncoding: 'base64' })
  expect(view(opaque, false)).toMatchObject({ payload: '', payloadEncoding: 'withheld', redacted: true })
  expect(view({ payload: '', payloadEncoding: 'omitted' })).toMatchObject({
    payloadEncoding: 'omitted',
    redacted: false,
  })
})

test.each([
  ['password', true],
  ['dbPassword', true],
  ['client_secret', true],
  ['refreshToken', true],
  ['x-api-key', true],
  ['localAuthorizationList', false],
  ['idTag', false],
  ['action', false],
])('isSecretField(%s) is %s', (name, secret) => {
  expect(isSecretField(name)).toBe(secret)
})

test.each([
  ['Nats-Msg-Id', false],
  ['Chargebus-Event', false],
  ['Chargebus-Original-Msg-Id', false],
  ['traceparent', false],
  ['tracestate', false],
  ['Authorization', true],
  ['X-Auth-User', true],
])('isSecretHeader(%s) is %s', (name, secret) => {
  expect(isSecretHeader(name)).toBe(secret)
})
