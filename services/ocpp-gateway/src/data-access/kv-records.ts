import { createHash, randomBytes, scryptSync } from 'node:crypto'
import { type Static, Type } from 'typebox'
import { Compile } from 'typebox/compile'

/*
 * The NATS KV buckets the gateway mirrors into memory, and the JSON records in them. Writers: the
 * gateway (unknown stations at BootNotification) and, through `./kv-writes.ts`, the API, ingest's
 * reconciliation sweep and `pnpm chargebus id-tags`/`station`. Bucket names are logical: the bus
 * prefixes its namespace.
 */

/** Logical KV bucket names. */
export const KvBuckets = {
  stations: 'ocpp_stations',
  idTags: 'ocpp_id_tags',
} as const

const IsoDateTime = Type.String({ format: 'date-time' })

export const PasswordHash = Type.Object(
  {
    algorithm: Type.Enum(['scrypt', 'sha256'], {
      description: 'scrypt (N=16384, r=8, p=1, 32 bytes) or sha256(salt || password).',
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

const KEEP = /^[A-Za-z0-9_-]$/

/**
 * A KV key for any identity: NATS KV keys allow `[-/_=.A-Za-z0-9]` and treat `.` as a separator, while
 * station identities and id tags may hold `:`, spaces or dots. Letters, digits, `-` and `_` stay; every
 * other UTF-8 byte becomes `=XX` (uppercase hex). Reversible and one key per identity.
 *
 * ### Examples
 * ```ts
 * kvKey('CP-1')     // 'CP-1'
 * kvKey('urn:cp:7') // 'urn=3Acp=3A7'
 * ```
 */
export function kvKey(identity: string): string {
  let out = ''
  for (const ch of identity) {
    if (KEEP.test(ch)) {
      out += ch
      continue
    }
    for (const byte of Buffer.from(ch, 'utf8')) out += `=${byte.toString(16).toUpperCase().padStart(2, '0')}`
  }
  return out
}

/** The identity a `kvKey` came from. */
export function fromKvKey(key: string): string {
  const bytes: number[] = []
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i)
    if (key[i] === '=') {
      bytes.push(Number.parseInt(key.slice(i + 1, i + 3), 16))
      i += 2
    } else bytes.push(c)
  }
  return Buffer.from(bytes).toString('utf8')
}

/** The id-tag key: id tags compare case-insensitively (OCPP IdToken). */
export function idTagKey(idTag: string): string {
  return kvKey(idTag.toUpperCase())
}

const SCRYPT_KEYLEN = 32

/**
 * Hashes a station password for its record (scrypt with a random salt).
 *
 * ### Examples
 * ```ts
 * await kv.put(kvKey('CP-1'), JSON.stringify({ registrationStatus: 'Accepted', password: hashPassword('s3cret') }))
 * ```
 */
export function hashPassword(
  password: string,
  algorithm: PasswordHash['algorithm'] = 'scrypt',
): PasswordHash {
  const salt = randomBytes(16)
  return {
    algorithm,
    salt: salt.toString('base64'),
    hash: derive(algorithm, salt, password).toString('base64'),
  }
}

/** Derives the hash of `password` with the record's algorithm and salt. CPU-heavy for scrypt: cache results. */
export function derive(algorithm: PasswordHash['algorithm'], salt: Buffer, password: string): Buffer {
  return algorithm === 'scrypt'
    ? scryptSync(password, salt, SCRYPT_KEYLEN)
    : createHash('sha256').update(salt).update(password, 'utf8').digest()
}
