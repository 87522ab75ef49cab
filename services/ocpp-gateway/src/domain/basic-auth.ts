/**
 * Reads an `Authorization: Basic …` header (RFC 7617). Returns undefined for anything else, including a
 * header without a colon in the decoded credentials.
 *
 * ### Examples
 * ```ts
 * parseBasicAuth('Basic Q1AtMTpzM2NyZXQ=') // { user: 'CP-1', password: 's3cret' }
 * ```
 */
export function parseBasicAuth(header: string | undefined): { user: string; password: string } | undefined {
  if (header === undefined || header.length < 7 || header.slice(0, 6).toLowerCase() !== 'basic ')
    return undefined
  const decoded = Buffer.from(header.slice(6).trim(), 'base64').toString('utf8')
  const colon = decoded.indexOf(':')
  if (colon < 0) return undefined
  return { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) }
}
