const TEXT_SPECIAL = /[&<>]/
const ATTR_SPECIAL = /[&<>"]/
// Characters XML 1.0 cannot carry at all, not even as character references.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching the control characters XML forbids is the point
const NOT_XML_CHAR = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/

/** True when `value` only holds characters an XML 1.0 document can carry. */
export function isXmlText(value: string): boolean {
  return !NOT_XML_CHAR.test(value)
}

/** Escapes character data (`&`, `<`, `>`; the last so `]]>` can never appear). */
export function escapeText(value: string): string {
  if (!TEXT_SPECIAL.test(value)) return value
  return value.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;')
}

/** Escapes a double-quoted attribute value. */
export function escapeAttribute(value: string): string {
  if (!ATTR_SPECIAL.test(value)) return value
  return value
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
}
