import { decodeRequest, OcppError } from '@chargebus/ocpp'
import { errorCodes, type FastifyError } from 'fastify'
import { pino } from 'pino'
import {
  BadHttpRequest,
  BodyTooLarge,
  StationNotAccepted,
  StationUnauthorized,
  UnsupportedMediaType,
} from '../../src/domain/errors.ts'
import {
  faultReply,
  refusalOf,
  soapVersionOfContentType,
  WWW_AUTHENTICATE,
} from '../../src/entry-points/http/soap-faults.ts'

const logger = pino({ level: 'silent' })

describe('refusalOf: Fastify refusing a request before the handler runs', () => {
  test.each<[string, FastifyError, unknown]>([
    ['body too large', new errorCodes.FST_ERR_CTP_BODY_TOO_LARGE(), BodyTooLarge],
    [
      'not a SOAP media type',
      new errorCodes.FST_ERR_CTP_INVALID_MEDIA_TYPE('application/json'),
      UnsupportedMediaType,
    ],
    [
      'a body shorter than its Content-Length',
      new errorCodes.FST_ERR_CTP_INVALID_CONTENT_LENGTH(),
      BadHttpRequest,
    ],
    ['another client error', new errorCodes.FST_ERR_BAD_URL('%'), BadHttpRequest],
  ])('%s', (_name, err, expected) => {
    expect(refusalOf(err, 'application/json', 1024)).toBeInstanceOf(expected as never)
  })
  test('the media type and limit are named', () => {
    expect(refusalOf(new errorCodes.FST_ERR_CTP_BODY_TOO_LARGE(), undefined, 1024).message).toContain('1024')
    expect(
      refusalOf(new errorCodes.FST_ERR_CTP_INVALID_MEDIA_TYPE('x'), 'text/plain', 1024).message,
    ).toContain('text/plain')
  })
  test('anything else stays what it is (a bug: Receiver fault)', () => {
    const bug = Object.assign(new Error('boom'), { code: 'SOMETHING' }) as FastifyError
    expect(refusalOf(bug, undefined, 1024)).toBe(bug)
  })
})

describe('faultReply', () => {
  test('ours: its status; a Sender fault naming what is wrong', () => {
    const reply = faultReply(new StationNotAccepted('CP-1', 'Pending'), '1.2', 'urn:uuid:1', logger)
    expect(reply.status).toBe(400)
    expect(reply.body).toContain('Sender')
    expect(reply.body).toContain('registration status Pending')
    expect(reply.headers).toBeUndefined()
  })
  test('401 asks for Basic credentials', () => {
    const reply = faultReply(
      new StationUnauthorized('CP-1', 'wrong HTTP Basic credentials'),
      '1.2',
      undefined,
      logger,
    )
    expect(reply.status).toBe(401)
    expect(reply.headers).toEqual({ 'www-authenticate': WWW_AUTHENTICATE })
  })
  test("the codec's errors are Sender faults", () => {
    let decodeError: unknown
    try {
      decodeRequest('<not xml')
    } catch (err) {
      decodeError = err
    }
    expect(decodeError).toBeInstanceOf(OcppError)
    const reply = faultReply(decodeError, '1.2', undefined, logger)
    expect(reply.status).toBe(400)
    expect(reply.body).toContain('Sender')
  })
  test('a bug is a Receiver fault that shows no internals', () => {
    const reply = faultReply(new Error('secret stack detail'), '1.1', undefined, logger)
    expect(reply.status).toBe(500)
    expect(reply.body).not.toContain('secret')
    expect(reply.contentType).toMatch(/^text\/xml/)
  })
})

test.each([
  ['text/xml; charset=utf-8', '1.1'],
  [' TEXT/XML', '1.1'],
  ['application/soap+xml', '1.2'],
  [undefined, '1.2'],
])('soapVersionOfContentType(%j) = %s', (contentType, expected) => {
  expect(soapVersionOfContentType(contentType)).toBe(expected)
})
