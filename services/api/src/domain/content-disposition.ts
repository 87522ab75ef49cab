/**
 * `Content-Disposition: attachment` for a file name from outside (a station's upload name): an ASCII
 * `filename` with anything unsafe replaced by `_` (quotes, backslashes, control characters, non-ASCII, path
 * separators), plus the exact name as RFC 8187 `filename*` (UTF-8, percent-encoded) for clients that read it.
 * Nothing in the name can end the header or add a parameter.
 *
 * ### Examples
 * ```ts
 * attachmentDisposition('diag "1".log') // attachment; filename="diag _1_.log"; filename*=UTF-8''diag%20%221%22.log
 * ```
 */
export function attachmentDisposition(name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]|["\\/%;]/g, '_').trim() || 'download'
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeRfc8187(name)}`
}

/** RFC 8187 value-chars: attr-char stays, every other UTF-8 byte is %XX. */
function encodeRfc8187(value: string): string {
  return encodeURIComponent(value).replace(
    /['()*!]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  )
}
