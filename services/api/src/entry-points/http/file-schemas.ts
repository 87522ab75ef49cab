import { FIRMWARE_NAME_PATTERN } from '@chargebus/db'
import { Type } from 'typebox'
import { DateTime, Nullable, PageQuery, readResponses, TimeRange } from './schemas.ts'

/* Schemas of station files (FTP uploads) and the firmware catalogue; the shared pieces come from schemas.ts. */

const Sha256 = Type.String({ pattern: '^[0-9a-f]{64}$', description: 'Lowercase hex SHA-256 of the bytes.' })

export const StationFileSchema = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    stationId: Type.String(),
    name: Type.String({ description: 'The name the station uploaded the file under.' }),
    size: Type.Integer({ description: 'Bytes.' }),
    sha256: Sha256,
    receivedAt: DateTime('When the upload was stored whole.'),
    duplicateOf: Nullable(
      Type.String({
        format: 'uuid',
        description: "The station's earlier upload of the same bytes, whose stored copy this file serves.",
      }),
    ),
    remoteAddress: Nullable(Type.String({ description: "The station's address on the FTP connection." })),
  },
  { additionalProperties: false, title: 'StationFile' },
)

export const StationFileListQuery = Type.Object(
  {
    ...TimeRange,
    prefix: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 255,
        description: 'Only names starting with this (case-sensitive).',
      }),
    ),
    ...PageQuery,
  },
  { additionalProperties: false },
)

export const FileParams = Type.Object({ fileId: Type.String({ format: 'uuid' }) })

const FirmwareName = Type.String({
  pattern: FIRMWARE_NAME_PATTERN,
  description:
    'The file name stations download: letters, digits, . _ -, 1 to 128 characters, no leading dot.',
})

export const FirmwareSchema = Type.Object(
  {
    name: FirmwareName,
    version: Type.String(),
    size: Type.Integer({ description: 'Bytes.' }),
    sha256: Sha256,
    createdAt: DateTime('When the image was added.'),
    description: Nullable(Type.String()),
  },
  { additionalProperties: false, title: 'FirmwareImage' },
)

export const FirmwareParams = Type.Object({ name: FirmwareName })

export const FirmwareUploadQuery = Type.Object(
  {
    version: Type.String({
      minLength: 1,
      maxLength: 64,
      description: 'The firmware version the image installs.',
    }),
    description: Type.Optional(Type.String({ minLength: 1, maxLength: 1000 })),
  },
  { additionalProperties: false },
)

export const FirmwareListQuery = Type.Object(PageQuery, { additionalProperties: false })

/** A download: the bytes (200), or nothing for a matching If-None-Match (304), or a problem. */
export const contentResponses = readResponses({
  200: {
    description:
      'The bytes, streamed. ETag is the quoted SHA-256; Content-Disposition: attachment names the file.',
    content: { 'application/octet-stream': { schema: Type.String({ format: 'binary' }) } },
  },
})
