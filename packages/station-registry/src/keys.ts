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
