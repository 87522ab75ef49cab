// CR is written as a reference because parsers turn a literal CR (and CRLF) into LF; in attributes, tab and LF too,
// since attribute-value normalisation turns them into spaces. Found by the round-trip fuzz test.
const TEXT_SPECIAL = /[&<>\r]/
const ATTR_SPECIAL = /[&<>"\t\n\r]/
// Characters XML 1.0 cannot carry at all, not even as character references.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching the control characters XML forbids is the point
const NOT_XML_CHAR = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/

// A lone half of a UTF-16 surrogate pair is no character at all: written out it becomes U+FFFD on the wire (or
// an XML our own parser refuses). Found by the round-trip fuzz test, e.g. a command's idTag "\ud800" from JSON.
const UNPAIRED_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/

/** True when `value` only holds characters an XML 1.0 document can carry (no lone surrogate either). */
export function isXmlText(value: string): boolean {
  return !NOT_XML_CHAR.test(value) && !UNPAIRED_SURROGATE.test(value)
}

/** Escapes character data (`&`, `<`, `>`, the last so `]]>` can never appear; CR so it reads back as CR). */
export function escapeText(value: string): string {
  if (!TEXT_SPECIAL.test(value)) return value
  return value
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('\r', '&#13;')
}

/** Escapes a double-quoted attribute value (tab, LF and CR as references so they read back unchanged). */
export function escapeAttribute(value: string): string {
  if (!ATTR_SPECIAL.test(value)) return value
  return value
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll('\t', '&#9;')
    .replaceAll('\n', '&#10;')
    .replaceAll('\r', '&#13;')
}
