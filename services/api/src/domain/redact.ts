/*
 * Credentials in what the API shows from the bus (dead letters carry every header and the payload of the
 * message a consumer gave up on): header and field names that hold credentials, and credentials written
 * inside text (URL passwords, Authorization values, API keys, JWTs, NATS NKey seeds). Shown records carry
 * `REDACTED` instead; the bus keeps the original, so a retry still sends it.
 */

/** What a masked value reads. */
export const REDACTED = '***'

/** Field names (compared without case, `-` and `_`) that hold a credential. */
const SECRET_FIELDS = new Set([
  'authorization',
  'proxyauthorization',
  'authorizationkey',
  'cookie',
  'setcookie',
  'nkey',
  'jwt',
  'seed',
  'creds',
])
/** Name endings that hold a credential: `password`, `dbPassword`, `accessToken`, `clientSecret`, `x-api-key`. */
const SECRET_ENDINGS = [
  'password',
  'passwd',
  'secret',
  'token',
  'apikey',
  'credential',
  'credentials',
  'privatekey',
]

/**
 * Whether a JSON field name holds a credential. Narrow on purpose: OCPP payloads have fields such as
 * `localAuthorizationList` that are data, not secrets.
 *
 * ### Examples
 * ```ts
 * isSecretField('clientSecret') // true
 * isSecretField('localAuthorizationList') // false
 * ```
 */
export function isSecretField(name: string): boolean {
  const n = name.toLowerCase().replace(/[-_]/g, '')
  return SECRET_FIELDS.has(n) || SECRET_ENDINGS.some((e) => n.endsWith(e))
}

/**
 * Whether a message header holds a credential: a secret field name, or any header naming auth, a cookie
 * or a signature (`X-Auth-Token`, `Nats-Auth-...`, `X-Signature`). The bus's own headers never match.
 */
export function isSecretHeader(name: string): boolean {
  return isSecretField(name) || /auth|cookie|signature/i.test(name)
}

const TEXT_SECRETS: ReadonlyArray<[RegExp, string]> = [
  // scheme://user:password@host
  [/\b([a-z][a-z0-9+.-]*:\/\/[^:/?#@\s]*):[^/?#@\s]*@/gi, `$1:${REDACTED}@`],
  // Authorization values: `Bearer abc`, `Basic dXNlcjpw`
  [/\b(Bearer|Basic|Digest|Token)[ \t]+[\x21-\x7e]+/gi, `$1 ${REDACTED}`],
  // Our API keys
  [/\bcbk_[A-Za-z0-9_-]{4,}/g, `cbk_${REDACTED}`],
  // JWTs (NATS user JWTs among them)
  [/\beyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*/g, REDACTED],
  // NATS NKey seeds (user, account, operator, server, cluster): S + type + base32
  [/\bS[UAONCPX][A-Z2-7]{50,}\b/g, REDACTED],
]

/**
 * `text` with credentials written inside it masked.
 *
 * ### Examples
 * ```ts
 * maskSecretsInText('ftp://fw:hunter2@files/x.bin') // 'ftp://fw:***@files/x.bin'
 * maskSecretsInText('Bearer cbk_abcdef') // 'Bearer ***'
 * ```
 */
export function maskSecretsInText(text: string): string {
  let out = text
  for (const [pattern, replacement] of TEXT_SECRETS) out = out.replace(pattern, replacement)
  return out
}

/** Headers with credential headers' values replaced by `REDACTED` and credentials in the others masked. */
export function redactHeaders(headers: Record<string, string[]>): Record<string, string[]> {
  const out: Record<string, string[]> = {}
  for (const [name, values] of Object.entries(headers))
    out[name] = isSecretHeader(name) ? values.map(() => REDACTED) : values.map(maskSecretsInText)
  return out
}

/** A JSON value with credential fields replaced by `REDACTED` and credentials in strings masked, at any depth. */
export function redactJson(value: unknown): unknown {
  if (typeof value === 'string') return maskSecretsInText(value)
  if (Array.isArray(value)) return value.map(redactJson)
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {}
    for (const [key, v] of Object.entries(value))
      out[key] = isSecretField(key) && v !== null && v !== undefined ? REDACTED : redactJson(v)
    return out
  }
  return value
}
