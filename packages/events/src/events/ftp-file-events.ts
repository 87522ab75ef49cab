import { Type } from 'typebox'
import { defineEvent } from '../define-event.ts'
import { Streams } from '../streams.ts'

/*
 * Files received on the FTP edge (stream FTP). The event references the stored object, never its bytes. It is
 * published inside the transaction that records the file, before that transaction commits and before the
 * station hears 226, with the file id as Nats-Msg-Id: a redelivered or republished event is stored once.
 */

export const FtpFileReceivedSchema = Type.Object(
  {
    fileId: Type.String({ format: 'uuid', description: 'ftp_files.id: this upload.' }),
    stationId: Type.String({ minLength: 1, maxLength: 255, description: 'The account that uploaded it.' }),
    name: Type.String({
      minLength: 1,
      maxLength: 255,
      description: 'The file name the station gave (checked: no directories, control characters or "..").',
    }),
    size: Type.Integer({ minimum: 0, description: 'Bytes stored.' }),
    sha256: Type.String({ pattern: '^[0-9a-f]{64}$', description: 'Lowercase hex SHA-256 of the bytes.' }),
    objectKey: Type.String({
      minLength: 1,
      description: 'Where the bytes are in object storage (STORAGE_URL).',
    }),
    duplicateOf: Type.Union([Type.String({ format: 'uuid' }), Type.Null()], {
      description:
        "The station's earlier upload with the same SHA-256 (its object is the one referenced), or null for a first copy. Parsers skip duplicates.",
    }),
    receivedAt: Type.String({
      format: 'date-time',
      description: "The FTP edge's clock when the upload ended.",
    }),
    commandId: Type.Optional(
      Type.String({
        format: 'uuid',
        description:
          'The command whose one-time FTP credentials made the upload (GetDiagnostics without a location); absent otherwise.',
      }),
    ),
    pulledFrom: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 64,
        description:
          'The pull source (FTP_PULL_SOURCES name) ftp-ingest downloaded the file from; absent when the station uploaded it.',
      }),
    ),
  },
  { additionalProperties: false, title: 'FTP file received' },
)

export const FtpFileReceived = defineEvent({
  name: 'ftp.file.received',
  version: 1,
  stream: Streams.FTP,
  description:
    'A station uploaded a file over FTP, or ftp-ingest pulled one from a pull source (`pulledFrom`); it is stored whole (a transfer that failed or was cut off is neither stored nor announced).',
  subject: 'ftp.file.{station}.received',
  subjectParams: (e) => ({ station: e.stationId }),
  schema: FtpFileReceivedSchema,
  examples: [
    {
      fileId: '0b0f6d2e-7c1a-4c61-9b7e-2f1d9a8c4e11',
      stationId: 'CP-0001',
      name: 'diagnostics-20261126.zip',
      size: 48213,
      sha256: 'b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9',
      objectKey: 'ftp/CP-0001/2026-11-26/0b0f6d2e-7c1a-4c61-9b7e-2f1d9a8c4e11',
      duplicateOf: null,
      receivedAt: '2026-11-26T10:31:00.000Z',
    },
  ],
})
