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

/*
 * What ftp-ingest's parser made of a meter log (a CSV file, see services/ftp-ingest/README.md). A file is
 * validated whole before anything is published: it becomes either `ftp.file.parsed` parts (all its rows) or one
 * `ftp.file.rejected`, never both and never some rows of a bad file. Msg ids derive from the file id (and part),
 * so a redelivered `ftp.file.received` republishes the same messages and JetStream stores them once.
 */

/** Rows in one `ftp.file.parsed` message at most (a bigger file is published as several parts). */
export const FTP_FILE_PARSED_MAX_ROWS = 1000

export const MeterLogRowSchema = Type.Object(
  {
    line: Type.Integer({ minimum: 1, description: 'Line of the file the row was read from.' }),
    sampledAt: Type.String({
      format: 'date-time',
      description: 'The timestamp of the row, in UTC (the file must name its offset).',
    }),
    connectorId: Type.Integer({ minimum: 0, maximum: 2_147_483_647 }),
    transactionId: Type.Union([Type.Integer({ minimum: 1, maximum: 2_147_483_647 }), Type.Null()]),
    measurand: Type.String({ minLength: 1, description: 'An OCPP 1.6 Measurand.' }),
    phase: Type.Union([Type.String({ minLength: 1 }), Type.Null()], {
      description: 'An OCPP 1.6 Phase, or null.',
    }),
    location: Type.String({ minLength: 1, description: 'An OCPP 1.6 Location (default Outlet).' }),
    unit: Type.String({ minLength: 1, description: 'An OCPP 1.6 UnitOfMeasure.' }),
    value: Type.String({
      pattern: '^[+-]?([0-9]+([.][0-9]*)?|[.][0-9]+)([eE][+-]?[0-9]+)?$',
      description: 'The value as written in the file: a decimal number in `unit`.',
    }),
  },
  { additionalProperties: false },
)

export const FtpFileParsedSchema = Type.Object(
  {
    fileId: Type.String({ format: 'uuid', description: 'ftp_files.id of the meter log.' }),
    stationId: Type.String({ minLength: 1, maxLength: 255, description: 'The account that uploaded it.' }),
    name: Type.String({ minLength: 1, maxLength: 255, description: 'The file name the station gave.' }),
    profile: Type.String({ minLength: 1, description: 'The CSV profile the file was read with.' }),
    receivedAt: Type.String({ format: 'date-time', description: 'When the FTP edge received the file.' }),
    part: Type.Integer({ minimum: 1, description: 'This message is part `part` of `parts` (1-based).' }),
    parts: Type.Integer({ minimum: 1 }),
    rows: Type.Array(MeterLogRowSchema, { minItems: 1, maxItems: FTP_FILE_PARSED_MAX_ROWS }),
  },
  { additionalProperties: false, title: 'FTP file parsed' },
)

export const FtpFileParsed = defineEvent({
  name: 'ftp.file.parsed',
  version: 1,
  stream: Streams.FTP,
  description:
    'A meter log a station uploaded was valid as a whole; its rows, in parts of at most 1,000 (msg id `ftp.file.parsed:<fileId>:<part>`). Ingest stores them in `meter_values`.',
  subject: 'ftp.file.{station}.parsed',
  subjectParams: (e) => ({ station: e.stationId }),
  schema: FtpFileParsedSchema,
  examples: [
    {
      fileId: '0b0f6d2e-7c1a-4c61-9b7e-2f1d9a8c4e11',
      stationId: 'CP-0001',
      name: 'meter-20261126.csv',
      profile: 'default',
      receivedAt: '2026-11-26T10:31:00.000Z',
      part: 1,
      parts: 1,
      rows: [
        {
          line: 2,
          sampledAt: '2026-11-26T10:15:00.000Z',
          connectorId: 1,
          transactionId: 1001,
          measurand: 'Energy.Active.Import.Register',
          phase: null,
          location: 'Outlet',
          unit: 'kWh',
          value: '15.23',
        },
      ],
    },
  ],
})

/** Why a meter log was refused, as a code (the `reason` text says it in words). */
export const METER_LOG_REJECTIONS = [
  'header',
  'column-count',
  'malformed',
  'line-too-long',
  'too-many-rows',
  'formula',
  'timestamp',
  'number',
  'integer',
  'measurand',
  'unit',
  'phase',
  'location',
] as const

export const FtpFileRejectedSchema = Type.Object(
  {
    fileId: Type.String({ format: 'uuid', description: 'ftp_files.id of the meter log (it stays stored).' }),
    stationId: Type.String({ minLength: 1, maxLength: 255 }),
    name: Type.String({ minLength: 1, maxLength: 255 }),
    profile: Type.String({ minLength: 1, description: 'The CSV profile the file was read with.' }),
    line: Type.Integer({
      minimum: 1,
      description: 'The first line found wrong (nothing of the file is imported).',
    }),
    code: Type.Enum(METER_LOG_REJECTIONS, { description: 'What is wrong, as a code.' }),
    reason: Type.String({ minLength: 1, maxLength: 500, description: 'What is wrong, in words.' }),
  },
  { additionalProperties: false, title: 'FTP file rejected' },
)

export const FtpFileRejected = defineEvent({
  name: 'ftp.file.rejected',
  version: 1,
  stream: Streams.FTP,
  description:
    'A meter log a station uploaded was refused as a whole (the first bad line and why); none of its rows is imported, the file stays stored. Msg id `ftp.file.rejected:<fileId>`.',
  subject: 'ftp.file.{station}.rejected',
  subjectParams: (e) => ({ station: e.stationId }),
  schema: FtpFileRejectedSchema,
  examples: [
    {
      fileId: '0b0f6d2e-7c1a-4c61-9b7e-2f1d9a8c4e11',
      stationId: 'CP-0001',
      name: 'meter-20261126.csv',
      profile: 'default',
      line: 3,
      code: 'formula',
      reason: 'line 3, column value: "=1+1" starts like a spreadsheet formula',
    },
  ],
})
