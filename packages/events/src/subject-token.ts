import { InvalidSubjectTokenError } from './errors.ts'

// Kept as is: letters, digits, '-', '_' (NATS' recommended set) and ':' so that identities such as
// `urn:cp:0042` stay readable. Every other UTF-8 byte becomes %XX (uppercase hex), '%' included.
const SAFE = /^[A-Za-z0-9_:-]$/
const ALL_SAFE = /^[A-Za-z0-9_:-]+$/
const CANONICAL = /^(?:[A-Za-z0-9_:-]|%[0-9A-F]{2})+$/
const HEX = '0123456789ABCDEF'
const utf8 = new TextEncoder()
const strictUtf8 = new TextDecoder('utf-8', { fatal: true })

/**
 * Turns any non-empty string into one NATS subject token: reversible, pure, and the identity for
 * strings made only of letters, digits, `-`, `_` and `:`.
 *
 * ### Examples
 * ```ts
 * encodeSubjectToken('CP-0001')       // 'CP-0001'
 * encodeSubjectToken('urn:cp:7')      // 'urn:cp:7'
 * encodeSubjectToken('DE*ABC*E1.2')   // 'DE%2AABC%2AE1%2E2'
 * ```
 */
export function encodeSubjectToken(value: string): string {
  if (value.length === 0) throw new InvalidSubjectTokenError(value, 'empty')
  // The common case (every character kept) in one test: publishing builds a subject per message.
  if (ALL_SAFE.test(value)) return value
  if (!value.isWellFormed()) throw new InvalidSubjectTokenError(value, 'not well-formed Unicode')
  let out = ''
  for (const ch of value) {
    if (SAFE.test(ch)) out += ch
    else for (const byte of utf8.encode(ch)) out += `%${HEX[byte >> 4]}${HEX[byte & 15]}`
  }
  return out
}

/**
 * The inverse of {@link encodeSubjectToken}. Accepts only canonical tokens (what `encodeSubjectToken`
 * produces), so every identity has exactly one subject.
 */
export function decodeSubjectToken(token: string): string {
  if (!CANONICAL.test(token)) throw new InvalidSubjectTokenError(token, 'not a canonical encoded token')
  if (!token.includes('%')) return token
  const bytes: number[] = []
  for (let i = 0; i < token.length; i++) {
    if (token[i] === '%') {
      const byte = Number.parseInt(token.slice(i + 1, i + 3), 16)
      if (byte < 0x80 && SAFE.test(String.fromCharCode(byte))) {
        throw new InvalidSubjectTokenError(token, `needlessly escaped ${String.fromCharCode(byte)}`)
      }
      bytes.push(byte)
      i += 2
    } else {
      bytes.push(token.charCodeAt(i))
    }
  }
  try {
    return strictUtf8.decode(new Uint8Array(bytes))
  } catch {
    throw new InvalidSubjectTokenError(token, 'escapes are not valid UTF-8')
  }
}
