import { type Static, Type } from 'typebox'
import { Compile } from 'typebox/compile'

/*
 * The JSON records of the station registry's two NATS KV buckets (`./buckets.ts`): what the gateway answers
 * BootNotification and Authorize from, and how a station authenticates.
 */

const IsoDateTime = Type.String({ format: 'date-time' })

export const PasswordHash = Type.Object(
  {
    algorithm: Type.Enum(['scrypt', 'sha256'], {
      description:
        'scrypt (N=16384, r=8, p=1, 32 bytes). sha256(salt || password) records of older versions are read but never verify.',
    }),
    salt: Type.String({ minLength: 1, description: 'base64' }),
    hash: Type.String({ minLength: 1, description: 'base64' }),
  },
  { additionalProperties: false },
)
export type PasswordHash = Static<typeof PasswordHash>

/** Key = `kvKey(stationId)`. */
export const StationRecord = Type.Object(
  {
    registrationStatus: Type.Enum(['Accepted', 'Pending', 'Rejected'], {
      description: 'What BootNotification answers; anything but Accepted makes every other request a fault.',
    }),
    /** Set when the station must authenticate with HTTP Basic (OCPP security profile 1). */
    password: Type.Optional(PasswordHash),
    firstSeenAt: Type.Optional(IsoDateTime),
    updatedAt: Type.Optional(IsoDateTime),
    /** Who wrote the record: `gateway` (an unknown station booted), `cli`, `api`. */
    source: Type.Optional(Type.String({ maxLength: 32 })),
  },
  { additionalProperties: false },
)
export type StationRecord = Static<typeof StationRecord>

/** Key = `kvKey(idTag.toUpperCase())`: OCPP id tags are case-insensitive. */
export const IdTagRecord = Type.Object(
  {
    status: Type.Enum(['Accepted', 'Blocked', 'Expired', 'Invalid', 'ConcurrentTx']),
    expiryDate: Type.Optional(IsoDateTime),
    parentIdTag: Type.Optional(Type.String({ minLength: 1, maxLength: 20 })),
    updatedAt: Type.Optional(IsoDateTime),
  },
  { additionalProperties: false },
)
export type IdTagRecord = Static<typeof IdTagRecord>

export const stationRecordValidator = Compile(StationRecord)
export const idTagRecordValidator = Compile(IdTagRecord)
