import { BodyStreamFailed, ObjectTooLarge, StorageBackendFailed } from '@chargebus/storage'
import {
  ControlConnectionLost,
  GrantSpent,
  QuotaExceeded,
  TransferTimedOut,
} from '../../src/domain/errors.ts'
import { uploadFailureReply } from '../../src/entry-points/ftp/upload-replies.ts'

const limits = { maxFileBytes: 600 }

describe('uploadFailureReply', () => {
  test.each([
    ['the file limit', new ObjectTooLarge('k', 600), 552],
    ['the quota', new QuotaExceeded('CP-1', 1000), 552],
    ['one-time credentials already used', new GrantSpent('c-1'), 550],
    ['a reset data connection', new BodyStreamFailed('k', new Error('ECONNRESET')), 426],
    ['a stalled data connection', new BodyStreamFailed('k', new TransferTimedOut(1000)), 426],
    ['the control connection gone', new ControlConnectionLost(), 426],
    [
      'the control connection gone while streaming',
      new BodyStreamFailed('k', new ControlConnectionLost()),
      426,
    ],
    ['storage down', new StorageBackendFailed('put', 'k', new Error('EIO'), true), 451],
    ['anything else (Postgres, NATS)', new Error('connection terminated'), 451],
  ])('%s: %i', (_, err, code) => {
    expect(uploadFailureReply(err, limits).code).toBe(code)
  })

  test('the text never carries the internal error', () => {
    expect(uploadFailureReply(new Error('password=hunter2 at db:5432'), limits).message).not.toContain(
      'hunter2',
    )
  })

  test('a stall says so', () => {
    expect(uploadFailureReply(new BodyStreamFailed('k', new TransferTimedOut(1000)), limits).message).toMatch(
      /stalled/,
    )
  })
})
