import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'
import type { KV } from '@nats-io/kv'
import { type Static, Type } from 'typebox'
import { Compile } from 'typebox/compile'
import { isRevisionConflict } from './revision-conflict.ts'

/*
 * One-time FTP credentials for one command (bucket `ftp_grants`): the gateway issues one when it sends a
 * GetDiagnostics without a location (an upload grant) or an UpdateFirmware of a catalogued image (a download
 * grant); the FTP edge logs the station in with it and spends it once the upload is recorded or the download
 * complete. The secret is 192 random bits, so a plain SHA-256 of it is stored (no scrypt: nothing to guess).
 */

/** Grant user names: never a station identity the registry would hand out by accident. */
const USER_PREFIX = 'grant-'
const USER_PATTERN = /^grant-[0-9a-f]{24}$/

export const FtpGrantRecord = Type.Object(
  {
    stationId: Type.String({ minLength: 1, maxLength: 255 }),
    commandId: Type.String({ minLength: 1, maxLength: 64 }),
    access: Type.Enum(['upload', 'download'], {
      description: 'upload: one STOR into the station’s space; download: RETR of `fileName` only.',
    }),
    /** download: the firmware image's catalogue name. */
    fileName: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })),
    /** Lowercase hex SHA-256 of the secret. */
    secretSha256: Type.String({ pattern: '^[0-9a-f]{64}$' }),
    issuedAt: Type.String({ format: 'date-time' }),
    expiresAt: Type.String({ format: 'date-time' }),
  },
  { additionalProperties: false },
)
export type FtpGrantRecord = Static<typeof FtpGrantRecord>
const grantValidator = Compile(FtpGrantRecord)

/** What the station receives, inside the location URL. */
export interface FtpGrantCredentials {
  readonly user: string
  readonly password: string
}

/** A grant as read, with the revision that spending it must match. */
export interface FtpGrant extends FtpGrantRecord {
  readonly user: string
  readonly revision: number
}

export function isFtpGrantUser(user: string): boolean {
  return USER_PATTERN.test(user)
}

const sha256Hex = (secret: string) => createHash('sha256').update(secret, 'utf8').digest('hex')

/**
 * Issues a grant and returns its credentials (the only place the secret exists).
 *
 * ### Examples
 * ```ts
 * const { user, password } = await issueFtpGrant(grants, { stationId: 'CP-1', commandId: id, access: 'upload' }, { now, expiresAt })
 * // user: 'grant-3f9c…' (24 hex), password: 32 base64url characters
 * ```
 */
export async function issueFtpGrant(
  kv: Pick<KV, 'create'>,
  grant: Pick<FtpGrantRecord, 'stationId' | 'commandId' | 'access' | 'fileName'>,
  at: { now: Date; expiresAt: Date },
): Promise<FtpGrantCredentials> {
  const user = `${USER_PREFIX}${randomBytes(12).toString('hex')}`
  const password = randomBytes(24).toString('base64url')
  const record: FtpGrantRecord = {
    ...grant,
    secretSha256: sha256Hex(password),
    issuedAt: at.now.toISOString(),
    expiresAt: at.expiresAt.toISOString(),
  }
  await kv.create(user, JSON.stringify(record))
  return { user, password }
}

/**
 * The grant a login names, if its secret matches and it has not expired at `now`; undefined otherwise (unknown,
 * spent, expired, wrong secret: one answer).
 */
export async function findFtpGrant(
  kv: Pick<KV, 'get'>,
  user: string,
  password: string,
  now: Date,
): Promise<FtpGrant | undefined> {
  if (!isFtpGrantUser(user)) return undefined
  const entry = await kv.get(user)
  if (entry === null || entry.operation !== 'PUT') return undefined
  let value: unknown
  try {
    value = entry.json()
  } catch {
    return undefined
  }
  if (!grantValidator.Check(value)) return undefined
  const expected = Buffer.from(value.secretSha256, 'hex')
  const given = Buffer.from(sha256Hex(password), 'hex')
  if (!timingSafeEqual(expected, given)) return undefined
  if (Date.parse(value.expiresAt) <= now.getTime()) return undefined
  return { ...value, user, revision: entry.revision }
}

/**
 * Spends a grant: deleted only if it is still the revision that was found, so of two transfers racing on one
 * grant exactly one spends it. False: already spent (or re-issued).
 */
export async function spendFtpGrant(kv: Pick<KV, 'delete'>, grant: FtpGrant): Promise<boolean> {
  try {
    await kv.delete(grant.user, { previousSeq: grant.revision })
    return true
  } catch (err) {
    if (isRevisionConflict(err)) return false
    throw err
  }
}

/** Puts a spent grant back (its transfer was not recorded after all), unless it was issued again meanwhile. */
export async function restoreFtpGrant(kv: Pick<KV, 'create'>, grant: FtpGrant): Promise<void> {
  const { user, revision, ...record } = grant
  try {
    await kv.create(user, JSON.stringify(record))
  } catch (err) {
    if (!isRevisionConflict(err)) throw err
  }
}
